"""City consolidation (汇总): counties submit their forms as signed packages of aggregates,
the city verifies, stores and consolidates them, drafts the 通报 and chases the late.

- :mod:`.submission` — a county writes one signed package of forms (no person-level data).
- :mod:`.receipt` — the city checks signature and form identities and stores, all or nothing.
- :mod:`.consolidate` — the city's forms by county or by township (county subtotals).
- :mod:`.calendar` — when each form is due (working days, 调休 included) and who is late.
- :mod:`.bulletin` — the city's 通报 draft (seeds 000 and 004).
"""
