from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "attachments"
    verbose_name = "Anhänge"

    def ready(self):
        from attachments import selectors, services  # noqa: F401  services: the history reasons
        from audit import registry

        registry.register_evidence_check(selectors.verify_files)
