"""Splitting a risky migration into safe steps (recipes) and placing the steps as files (placement).

``plan.py`` holds the shared vocabulary; ``recipes.py`` turns a migration into a ``SplitPlan``; ``placement.py``
turns a plan into a ``Fix`` (rewrite of the migration, new migration files, journal entries, snapshots) or, when the
migration is not the last one, into a preview.
"""
