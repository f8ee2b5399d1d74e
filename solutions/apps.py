from django.apps import AppConfig


class SolutionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "solutions"
    verbose_name = "Bekannte Lösungen"
