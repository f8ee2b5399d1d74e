from django.apps import AppConfig


class MailinConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mailin"
    verbose_name = "Posteingang"

    def ready(self):
        from audit import registry
        from mailin import selectors, services  # noqa: F401  services: the history reasons

        registry.register_evidence_check(selectors.verify_raw_messages)
