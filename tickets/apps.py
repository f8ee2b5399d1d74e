from django.apps import AppConfig


class TicketsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tickets"
    verbose_name = "Vorgänge"

    def ready(self):
        from tickets import services, trail  # noqa: F401  services: the ticket workflows register

        trail.register()
