"""Names vulture cannot see used (``vulture src/wengang tests bench .ci/vulture_whitelist.py``).

Each line says who uses the name. Qt calls its virtual methods by name; openpyxl reads
attributes set on its objects; a few attributes only keep a Qt object alive.
"""
# ruff: noqa
_ = object()

# Qt virtual methods, called by Qt
_.paintEvent
_.sizeHint
_.headerData
_.takeAt               # QLayout virtuals (gui.widgets.flow)
_.expandingDirections
_.hasHeightForWidth
_.heightForWidth

# openpyxl and XlsxWriter read these attributes when they write the workbook
_.freeze_panes
_.fill
_.sheet_state  # a hidden sheet (hostile tests and the sweep)
_.alignment
_.number_format
_.paperSize
_.print_title_rows
_.fitToWidth
_.fitToHeight
_.fitToPage
_.horizontalCentered
_.get_stream  # xlsx_stream's workbook override: called by openpyxl's writer
_._get_writer

# keep a Qt object alive as long as its owner (a dialog shown non-modally, a printer, a worker)
_.demo_progress
_.printer_ref
_.last_submit_dialog
_.export_action
_.print_action
_.save_button
_.traceback_text  # read by the failure dialog from the worker's exception
_.result_value    # what a dialog's save returned: for its caller
_.last_preview    # the last print preview: kept open, and for the tests
_.last_archive_id
_.record_button     # 登记服务: kept for the tests that press it
_.last_city_submit  # the 向市里报送 dialog, kept alive and for the tests
_.last_bulletin    # the city 通报 box, kept alive and for the tests
_.decision        # exchange conflicts: filled from the row, shown in the review and the workbook
_.exchanged       # domain.fields: whether a field moves township ⇄ county (issue 14 reads it)

# registered elsewhere: migrations by decorator, the lock release at exit
_.m0001_initial
_.m0040_reliability
_.m0045_area_batches
_.m0050_household_type_history
_.m0060_exchange
_.m0070_city
_.m0080_duties
_.m0090_status_store
_.m0095_status_summaries
_.m0100_sort_indexes
_.m0110_compact_status_store
_.m0115_report_facts
_.m0120_spell_date_person_indexes
_.m0125_registry_changes
_.m0135_findings_resolved_by_batch
_.m0140_quality_reviews
_.m0145_owed_indexes
_._release_all
_.__getattr__  # services.reports: module-level lazy exports (PEP 562)

# store.areas: the area levels and their words, kept as the one declaration of the tree
_.LEVELS
_.LEVEL_LABELS
_.areas_at_level

# bench: an operation's description, read by bench/run.py
_.__doc__

# pytest: module markers, plugin lists, fixtures requested for their side effect
_.pytestmark
_.pytest_plugins
_.qapp
_._qt_torn_down_before_python  # tests/conftest.py: autouse, runs at the end of the session
_.small_chunks  # tests/test_import_progress.py: usefixtures, small read chunks so 1,000 rows report often

# services.xlsx_stream.save_workbook: the workbook's modified time, as openpyxl's own save sets it
_.modified
# services.xlsx_stream.StreamedWorkbook: what openpyxl's ExcelWriter reads from a written sheet
_.images
_._id
