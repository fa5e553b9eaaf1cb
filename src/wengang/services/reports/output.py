"""Writing a computed form to a file: CSV here, Excel in :mod:`.xlsx`, and the dispatcher.

CSV is for other programs: UTF-8 with BOM (Excel and WPS then read the Chinese), one header
row with the header levels joined by "/", 合计 first, numbers without thousands separators
and percentages with the form's decimals. PDF needs Qt and lives in the GUI layer
(``wengang.gui.printing.write_form_pdf``); :func:`write_form` refuses it so callers route it there.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from wengang.domain.cells import neutralise
from wengang.services.reports.forms import FormError
from wengang.services.reports.model import FormResult, flat_header_labels
from wengang.store.atomic import atomic_open


def _text(value, decimals: int, kind: str) -> str:
    if value is None:
        return ""
    if kind == "percent":
        return f"{Decimal(str(value)):.{decimals}f}"
    if kind == "money":
        return f"{float(value):.2f}"
    return str(value)


def write_form_csv(result: FormResult, path: str | Path) -> Path:
    """Write the form as CSV (UTF-8 with BOM); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    labelled = list(zip(flat_header_labels(result.header), result.columns))
    # The area name first, also in two-level tables whose parent (县) column leads on paper.
    labelled.sort(key=lambda pair: pair[1].key != "area")
    with atomic_open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([neutralise(label) for label, _ in labelled])
        for row in result.rows:
            # An area named "=…" stays text in Excel (OWASP); numbers, "-3" included, stay numbers.
            writer.writerow([neutralise(row.label if c.key == "area" else _text(row.values.get(c.key), c.decimals, c.kind))
                             for _, c in labelled])
    return path


def write_form(result: FormResult, path: str | Path) -> Path:
    """Write ``result`` to .xlsx or .csv by the file's suffix (.pdf: use the GUI layer)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        from wengang.services.reports.xlsx import write_form_xlsx  # noqa: PLC0415 - openpyxl when asked

        return write_form_xlsx(result, path)
    if suffix == ".csv":
        return write_form_csv(result, path)
    if suffix == ".pdf":
        raise FormError("PDF 由界面层生成（wengang.gui.printing.write_form_pdf），请通过 wengang report 命令或打印预览导出")
    raise FormError(f"不支持的文件类型“{suffix or Path(path).name}”：请用 .xlsx、.csv 或 .pdf")
