"""Meta rules: findings about the check itself (unreadable input, a failing rule, suppression comments).

The engine produces these findings; the classes give them a name, a severity, a group and documentation, so they can
be selected, re-levelled and explained like every other rule.
"""
