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
    prepare_forms(db, form_ids, as_of)  # several forms next: the full person cube at once
"""

# name → submodule; each is imported on first use (PEP 562), so importing one submodule
# (the printing layer's ``.model``) does not load the engine, and the forms not openpyxl.
_EXPORTS = {
    "default_ref_date": "batch", "form_file_name": "batch", "form_request": "batch", "write_forms": "batch",
    "cell_persons": "drill", "compute_form": "engine", "prepare_forms": "engine",
    "FormError": "forms", "FormSpec": "forms", "get_form": "forms", "list_forms": "forms",
    "write_form": "output", "write_form_csv": "output", "write_form_xlsx": "xlsx",
}

__all__ = ["FormError", "FormSpec", "cell_persons", "compute_form", "default_ref_date", "form_file_name",
           "form_request", "get_form", "list_forms", "prepare_forms", "write_form", "write_form_csv",
           "write_form_xlsx", "write_forms"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib  # noqa: PLC0415

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
