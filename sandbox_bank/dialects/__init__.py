"""Wire dialects served by the sandbox bank over the same ledger (CMB-style XML today, ISO 20022 later)."""
