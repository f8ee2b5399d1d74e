from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Berichte"

    def ready(self):
        from reports import services

        services.connect()  # the report's facts follow every ticket history row
