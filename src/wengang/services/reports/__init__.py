"""The report engine: forms (F1–F9) declared as data, ledgers (six lists …), the bulletin.

Everything here returns plain data (:mod:`.model`); renderers turn it into Excel, CSV, PDF
(the PDF/print renderer is Qt and lives in ``wengang.gui``) and the screen.
"""
