"""`check --deploy`: no production database may look like Django's test database (R19)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def database_not_named_like_a_test_database(app_configs, **kwargs):
    """The TRUNCATE trigger of history and event tables lets a database named test_... grant itself
    the flush Django's test suite needs (audit/migration_ops.py); a production database must not."""
    return [
        checks.Warning(
            f"The database {db['NAME']!r} ({alias}) is named like a test database (test_...).",
            hint="On it, the history and event tables could be emptied with TRUNCATE. Rename it.",
            id="audit.W001",
        )
        for alias, db in settings.DATABASES.items()
        if "postgresql" in db["ENGINE"] and str(db.get("NAME") or "").startswith("test_")
    ]
