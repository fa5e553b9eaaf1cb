"""Township ⇄ county exchange of person-level data as signed packages (SQLite session extension).

``projection`` builds the guid-keyed exchange view, ``package`` reads and writes the signed
file, ``engine`` exports, imports (ownership, sequence, conflicts) and reviews.
"""
