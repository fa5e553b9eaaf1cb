"""The area tree is walked in SQL in one place: ``store/areas.py`` declares the subtree
(AREA_SUBTREE), each area's township (AREA_TOWNSHIP) and a village's township
(VILLAGE_IN_TOWNSHIP, village_and_township); every other module uses those names.

A join or walk on ``parent_id`` written anywhere else is a new copy of the vocabulary (issue 13
found it written seven ways in five files)."""

from __future__ import annotations

import re
from pathlib import Path

import wengang

SOURCE = Path(wengang.__file__).parent

# ``x.parent_id = y.id`` or ``y.id = x.parent_id``: an area joined to its parent or child.
TREE_JOIN = re.compile(r"\b\w+\.parent_id\s*=\s*\w+\.\w+|\b\w+\.\w+\s*=\s*\w+\.parent_id\b")

# Nothing else may join on parent_id (the ledgers, quality rules and form engine were the last
# copies; they read store.areas now).
NOT_YET: set[str] = set()


def _files_joining_on_parent() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        relative = path.relative_to(SOURCE).as_posix()
        if relative.startswith("store/migrations/"):
            continue  # the schema's own REFERENCES, not a query
        if TREE_JOIN.search(path.read_text(encoding="utf-8")):
            found.add(relative)
    return found


def test_area_tree_sql_is_declared_only_in_store_areas():
    found = _files_joining_on_parent()
    assert "store/areas.py" in found  # the declarations themselves: the pattern still finds them
    assert found - NOT_YET == {"store/areas.py"}, (
        "area-tree SQL written outside store/areas.py; use AREA_SUBTREE, AREA_TOWNSHIP or "
        "village_and_township from wengang.store.areas")


def test_the_village_township_join_names_its_aliases():
    from wengang.store.areas import VILLAGE_IN_TOWNSHIP, village_and_township

    # v is the household's village (the 组's parent when it is filed under a 组), t its township
    assert village_and_township("h.area_id") == (
        "LEFT JOIN areas hv ON hv.id = h.area_id "
        "LEFT JOIN areas v ON v.id = CASE WHEN hv.level = 'group' THEN hv.parent_id ELSE hv.id END "
        f"LEFT JOIN areas t ON {VILLAGE_IN_TOWNSHIP}")
    assert village_and_township("ps.area_id", village_join="JOIN").startswith("JOIN areas hv ON hv.id = ps.area_id ")
