"""Exactly-once emission: payload, API client, ledger, runner, reconciliation, numbering, pacing, PDFs, secrets."""
