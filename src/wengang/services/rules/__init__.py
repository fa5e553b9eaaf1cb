"""Rules as data: data-quality checks and subsidy entitlements (应享未享), declared in
``resources/rules/`` and evaluated in SQL over the whole county.

The names below are loaded from their modules when first asked for: an import reads
``rules.reviews`` alone, and loading the quality and subsidy rules with it cost every import
process 24 ms at its start."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Entitlement", "OrgEntitlement", "QualityRule", "QualitySummary", "current_rule_set",
           "entitlement_details", "entitlements", "findings", "org_entitlements", "quality_rules",
           "rule_sets", "run_quality"]

_QUALITY = ("QualityRule", "QualitySummary", "findings", "quality_rules", "run_quality")


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = "quality" if name in _QUALITY else "subsidies"
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
