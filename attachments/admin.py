from django.contrib import admin

from attachments.models import Attachment
from audit.admin import ReadOnlyAuditedAdmin


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAuditedAdmin):
    """Read only, like every record of a ticket: files are added and withdrawn on the ticket page."""

    list_display = [
        "filename",
        "ticket",
        "size",
        "content_type",
        "sha256",
        "created_by",
        "created_at",
        "withdrawn",
    ]
    list_filter = ["withdrawn", "content_type"]
    search_fields = ["filename", "sha256", "ticket__number"]
    list_select_related = ["ticket", "created_by"]
    exclude = ["file"]  # the stored name says nothing; the download on the ticket page checks the reader
