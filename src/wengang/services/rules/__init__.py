"""Rules as data: data-quality checks and subsidy entitlements (应享未享), declared in
``resources/rules/`` and evaluated in SQL over the whole county."""

from wengang.services.rules.quality import QualityRule, QualitySummary, findings, quality_rules, run_quality
from wengang.services.rules.subsidies import (
    Entitlement,
    OrgEntitlement,
    current_rule_set,
    entitlement_details,
    entitlements,
    org_entitlements,
    rule_sets,
)

__all__ = ["Entitlement", "OrgEntitlement", "QualityRule", "QualitySummary", "current_rule_set",
           "entitlement_details", "entitlements", "findings", "org_entitlements", "quality_rules",
           "rule_sets", "run_quality"]
