from django.contrib import admin

from audit.admin import ReadOnlyAuditedAdmin
from tickets.models import CallNote, CustomerNotification, RiskReview, Ticket


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAuditedAdmin):
    list_display = ["number", "summary", "customer", "state", "priority", "risk_relevant", "follow_up_date"]
    list_filter = ["state", "category", "risk_relevant", "priority"]
    search_fields = ["number", "summary", "customer__name"]
    list_select_related = ["customer"]
    history_list_display = ["state"]


@admin.register(CallNote)
class CallNoteAdmin(ReadOnlyAuditedAdmin):
    list_display = ["ticket", "direction", "created_by", "created_at"]
    list_select_related = ["ticket", "created_by"]


@admin.register(CustomerNotification)
class CustomerNotificationAdmin(ReadOnlyAuditedAdmin):
    list_display = ["ticket", "kind", "channel", "created_by", "created_at"]
    list_select_related = ["ticket", "created_by"]


@admin.register(RiskReview)
class RiskReviewAdmin(ReadOnlyAuditedAdmin):
    list_display = ["ticket", "state", "decision", "signer_name", "signed_at"]
    list_select_related = ["ticket"]
