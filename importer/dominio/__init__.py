"""The pure domain: amounts, catalogs, comprobantes, fiscal rules, documents, problems, hints, errors, clock, formatting."""
