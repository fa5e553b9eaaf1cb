"""Seed reconstruction: published tables → person-level data → import → forms → same numbers."""
