from django.contrib import admin

from audit.admin import AuditedAdmin, ReadOnlyAuditedAdmin
from vendor.models import ProgramRequest, Vendor, VendorContact


@admin.register(Vendor)
class VendorAdmin(AuditedAdmin):
    list_display = ["name", "phone", "email"]


@admin.register(VendorContact)
class VendorContactAdmin(ReadOnlyAuditedAdmin):
    list_display = ["ticket", "kind", "vendor_person", "created_by", "created_at"]
    list_select_related = ["ticket", "created_by"]


@admin.register(ProgramRequest)
class ProgramRequestAdmin(ReadOnlyAuditedAdmin):
    list_display = ["vendor_reference", "title", "kind", "state", "planned_release", "realized_release"]
    list_filter = ["state", "kind"]
