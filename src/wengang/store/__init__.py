"""Store layer: the SQLite schema, its migrations and the queries everything else shares."""
