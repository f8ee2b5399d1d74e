from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group


class RoleAdmin(GroupAdmin):
    """The groups are the roles of DESIGN §5: deleting one would take it from everybody at once."""

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(Group)
admin.site.register(Group, RoleAdmin)
