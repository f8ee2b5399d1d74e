from django.contrib import admin

from audit.admin import ReadOnlyAuditedAdmin
from outbox.models import OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAuditedAdmin):
    """Read only: a mail is written by its cause and delivered by the outbox (R17); /outbox/ retries."""

    list_display = ["created_at", "state", "kind", "subject", "to", "attempts", "sent_at", "ticket"]
    list_filter = ["state", "kind"]
    search_fields = ["subject", "to", "message_id"]
    list_select_related = ["ticket"]
