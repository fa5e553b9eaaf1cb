"""Migration 0135: which import resolved an import's hint (``quality_findings.resolved_batch_id``).

An import keeps its 提示 (warnings) as findings for the 数据质量 panel. Nothing ever resolved
them: a phone corrected in the national system and imported again next month stayed "联系电话为空"
for good, and the panel's count only grew. An import now resolves the open hints of earlier
imports of its kind about the persons and households its file holds that the file no longer
gives (``services.importing.findings``); undoing that import opens them again, by this column.
"""

from __future__ import annotations

import sqlite_utils

from wengang.store.migrations import migrations, run_script

SCHEMA = ("ALTER TABLE quality_findings ADD COLUMN resolved_batch_id INTEGER REFERENCES import_batches(id);\n"
          "CREATE INDEX idx_findings_resolved_batch ON quality_findings(resolved_batch_id) "
          "WHERE resolved_batch_id IS NOT NULL;\n")


@migrations(name="0135_findings_resolved_by_batch")
def m0135_findings_resolved_by_batch(db: sqlite_utils.Database) -> None:
    run_script(db, SCHEMA)
