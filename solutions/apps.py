from django.apps import AppConfig


class SolutionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "solutions"
    verbose_name = "Bekannte Lösungen"

    def ready(self):
        from solutions import services  # noqa: F401  registers the known solutions' workflow
