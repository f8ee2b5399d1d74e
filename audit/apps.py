from django.apps import AppConfig


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = "Audit-Trail"

    def ready(self):
        from audit import checks, signals, signin  # noqa: F401
