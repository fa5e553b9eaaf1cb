"""The read façade under the window and the command line (as Anki's ``collection.py`` is for
``aqt``): every row, id, count, person card and finding that ``gui/`` and ``cli/`` show comes
from a function here, so no SQL text lives above ``services`` (``tests/test_no_sql_above_services``
holds it).

* :mod:`.tables` — the registry and data-quality tables: columns, filters, sort orders and the
  query builder that joins only the tables a query uses; ids, counts and pages of rows.
* :mod:`.person_card` — one person's page: identity, household members, spells, surveys, …
* :mod:`.lookups` — small answers: an area by name, a person by 证件号码, import history, ….
"""
