"""The work instruction and the validation records in the admin: read only (they change only through
the signatures of instructions.services), history visible, nothing deleted."""

from django.contrib import admin

from audit.admin import ReadOnlyAuditedAdmin
from instructions.models import ValidationRecord, WorkInstructionRevision


@admin.register(WorkInstructionRevision)
class WorkInstructionRevisionAdmin(ReadOnlyAuditedAdmin):
    list_display = ["number", "title", "state", "author_name", "approver_name", "effective_date"]


@admin.register(ValidationRecord)
class ValidationRecordAdmin(ReadOnlyAuditedAdmin):
    list_display = ["signed_at", "commit", "verdict", "signer_name", "report_sha256"]
