"""The report engine: forms (F1–F9) declared as data, ledgers (six lists …), the bulletin.

Everything here returns plain data (:mod:`.model`); renderers turn it into Excel, CSV, PDF
(the PDF/print renderer is Qt and lives in ``wengang.gui``) and the screen.

Public API of the forms half::

    list_forms() -> list[FormSpec]
    compute_form(db, form_id, as_of, *, by="township", period_from=None, ref_date=None,
                 area_id=None, unit_name=None, footer=None) -> FormResult
    cell_persons(db, form_id, as_of, row_area_id_or_None, column_key, **same) -> list[int]
    write_form_xlsx(result, path), write_form_csv(result, path), write_form(result, path)
    write_forms(db, form_ids, as_of, folder, *, suffix="xlsx", by=…, …) -> [(FormResult, path)]
"""

from wengang.services.reports.batch import (
           default_ref_date,
           form_file_name,
           form_request,
           write_forms,
)
from wengang.services.reports.drill import cell_persons
from wengang.services.reports.engine import compute_form
from wengang.services.reports.forms import FormError, FormSpec, get_form, list_forms
from wengang.services.reports.output import write_form, write_form_csv
from wengang.services.reports.xlsx import write_form_xlsx

__all__ = ["FormError", "FormSpec", "cell_persons", "compute_form", "default_ref_date", "form_file_name",
           "form_request", "get_form", "list_forms", "write_form", "write_form_csv", "write_form_xlsx",
           "write_forms"]
