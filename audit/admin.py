"""Admin bases for case data: history visible, nothing deleted (R7), every save audited (R9)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from audit.history import save_audited

admin.site.disable_action("delete_selected")
admin.site.site_header = "supportdesk"


class AuditedAdmin(SimpleHistoryAdmin):
    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        save_audited(obj, by=request.user, reason="admin: " + ("edit" if change else "create"))


class ReadOnlyAuditedAdmin(AuditedAdmin):
    """Case records that change only through the workflow's services, never by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class UndeletableUserAdmin(UserAdmin):
    """Users are deactivated, never deleted: history rows keep pointing at them."""

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UndeletableUserAdmin)
