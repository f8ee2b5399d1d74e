from django.apps import AppConfig


class CapaConfig(AppConfig):
    name = "capa"
    verbose_name = "CAPA"

    def ready(self):
        from capa import services  # noqa: F401  registers the CAPA workflow
