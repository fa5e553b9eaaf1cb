"""Services: import, reports, ledgers, exports and rules. No Qt: usable from the CLI and tests."""
