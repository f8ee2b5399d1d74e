"""Every write on attachments, for the ticket page, the API and (later) the mail fetcher (R16).

An upload is fingerprinted while it is read in chunks (SHA-256 and size), its type read from its
content, stored once under a random name, and recorded with a history row; a withdrawal hides it
from the default list with a reason and keeps it. Nothing here replaces or deletes a file.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts import roles
from attachments.content import TooBig, detected_type, fingerprint
from attachments.forms import MB, AttachmentForm, WithdrawForm, clean_filename, empty, limit_mb, too_big
from attachments.models import Attachment, ticket_model
from audit import reasons
from audit.history import save_audited
from supportdesk.errors import Conflict, InvalidData
from supportdesk.forms import validated

REASONS = {
    "attachment_upload": gettext_lazy("Anhang hinzugefügt"),
    "attachment_withdraw": gettext_lazy("Anhang zurückgezogen"),
}
reasons.register(REASONS)

READ_ONLY = gettext_lazy("Ihre Rolle darf Anhänge nur ansehen.")
ALREADY_WITHDRAWN = gettext_lazy("Der Anhang „%(name)s“ ist bereits zurückgezogen.")


def attachment_upload(*, ticket_id, by, data, files, email=None) -> Attachment:
    """Attach a file (`files["file"]`) to a ticket; `data`: `note`, optionally the ids of one of the
    ticket's `call_note` or `vendor_contact`. `email`: the e-mail object the file came with."""
    roles.require(roles.can_work, by, READ_ONLY)
    ticket = ticket_model()._default_manager.get(pk=ticket_id)
    form = AttachmentForm(data, files, ticket=ticket)
    fields = validated(form)
    upload = fields["file"]
    try:
        sha256, size = fingerprint(upload, limit_mb() * MB)
    except TooBig:
        form.add_error("file", too_big())
        raise InvalidData(form) from None
    if size == 0:
        form.add_error("file", empty())
        raise InvalidData(form)
    attachment = Attachment(
        ticket=ticket,
        call_note=fields["call_note"],
        vendor_contact=fields["vendor_contact"],
        filename=clean_filename(upload.name),
        size=size,
        content_type=detected_type(upload),
        sha256=sha256,
        note=fields["note"],
        created_by=by,
        created_at=timezone.now(),
    )
    if email is not None:
        attachment.email_type, attachment.email_id = ContentType.objects.get_for_model(email), email.pk
    # Stored before the row is written: a failed transaction leaves a file no row names, never a
    # row without its file.
    attachment.file.save(upload.name, upload, save=False)
    with transaction.atomic():
        save_audited(attachment, by=by, reason="attachment_upload")
    return attachment


def attachment_withdraw(*, attachment_id, by, data) -> Attachment:
    """Hide a wrong upload from the default list, with the reason (1–500 characters); it is kept."""
    roles.require(roles.can_work, by, READ_ONLY)
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().get(pk=attachment_id)
        if attachment.withdrawn:
            raise Conflict(ALREADY_WITHDRAWN % {"name": attachment.filename})
        fields = validated(WithdrawForm(data))
        attachment.withdrawn = True
        attachment.withdrawn_reason = fields["reason"]
        attachment.withdrawn_by = by
        attachment.withdrawn_at = timezone.now()
        save_audited(attachment, by=by, reason="attachment_withdraw")
    return attachment
