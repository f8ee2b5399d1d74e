from django.apps import AppConfig


class InstructionsConfig(AppConfig):
    name = "instructions"
    verbose_name = "Arbeitsanweisung"

    def ready(self):
        from instructions import services  # noqa: F401  registers the revisions' workflow
