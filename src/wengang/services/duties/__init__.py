"""The caseworker's duties beyond the forms: 1-3-1 services, spot checks, returnee follow-up,
reporting deadlines (issue 16). No Qt; the window and the CLI call these modules."""
