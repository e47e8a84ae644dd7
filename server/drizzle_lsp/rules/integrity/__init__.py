"""Project integrity rules: the journal, the snapshot chain and the replay agree with each other and with the schema."""
