from tests.storage.conftest import pg_database_url  # noqa: F401 - fixture re-exported for the reconciliation tests
