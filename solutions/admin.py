from django.contrib import admin

from audit.admin import ReadOnlyAuditedAdmin
from solutions.models import KnownSolution


@admin.register(KnownSolution)
class KnownSolutionAdmin(ReadOnlyAuditedAdmin):
    """Read-only: known solutions change through their pages and the API (services), never by hand."""

    list_display = ["title", "kind", "category", "state", "affected_versions", "fixed_in_version"]
    list_filter = ["state", "kind", "category"]
    search_fields = ["title", "symptoms", "solution"]
    history_list_display = ["state"]
