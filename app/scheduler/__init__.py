"""Background jobs (APScheduler 3): thin wrappers that build arguments and call a service.

Rules (DESIGN.md rule 8): max_instances=1, coalesce=True, explicit misfire_grace_time, idempotent bodies,
a PostgreSQL advisory lock per job on a shared ledger. The first jobs arrive with receipt polling.
"""
