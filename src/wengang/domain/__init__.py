"""Domain layer: entities, code lists, ID and phone checks, dates and the derived statuses.

Pure Python: no Qt, no database. Everything above builds on these definitions.
"""
