from django.apps import AppConfig
from django.core import checks


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Benutzer und Rollen"

    def ready(self):
        from django.contrib import admin

        from accounts import signin  # noqa: F401 - connects the receivers
        from accounts.checks import require_2fa_roles
        from accounts.forms import AdminLoginForm

        checks.register(require_2fa_roles)
        # The admin's login answers a lock-out like ours (R18).
        admin.site.login_form = AdminLoginForm
