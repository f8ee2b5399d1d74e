"""What an upload and a withdrawal take; the same forms for the ticket page and the API (R14)."""

import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from attachments.models import Attachment
from supportdesk.forms import StrictMixin, TextField

MB = 1024 * 1024
# Characters that are no part of a file name on some system: replaced.
UNSAFE = set('<>:"|?*')
FALLBACK_NAME = "datei"
MAX_NAME = 255


def limit_mb() -> int:
    return settings.SUPPORTDESK_MAX_UPLOAD_MB


def too_big() -> ValidationError:
    return ValidationError(
        _("Die Datei ist größer als %(limit)s MB."), code="too_big", params={"limit": limit_mb()}
    )


def empty() -> ValidationError:
    return ValidationError(_("Die Datei ist leer."), code="empty")


def clean_filename(name: str) -> str:
    """The name shown and offered on download: no folders (`../../etc/passwd` is `passwd`), no
    control or direction characters, no characters some systems refuse, at most 255 characters
    (the extension kept)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = []
    for ch in name:
        category = unicodedata.category(ch)
        if category.startswith("Z"):  # any kind of space
            kept.append(" ")
        elif not category.startswith("C"):  # control, format (e.g. right-to-left override), unassigned
            kept.append("_" if ch in UNSAFE else ch)
    name = "".join(kept)
    name = " ".join(name.split()).strip(" .")
    if not name:
        return FALLBACK_NAME
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 20:
            name = stem[: MAX_NAME - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME]
    return name


class RecordIdField(StrictMixin, forms.IntegerField):
    """The id of one of the ticket's records (optional)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=1, max_value=2**63 - 1, **kwargs)

    def to_python(self, value):
        if isinstance(value, bool):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Datei"),
        allow_empty_file=True,  # refused below, with our message
        error_messages={
            "required": _("Bitte wählen Sie eine Datei."),
            "invalid": _("Es wurde keine Datei übertragen; das Formular muss multipart/form-data senden."),
            "missing": _("Es wurde keine Datei übertragen."),
        },
    )
    note = TextField(
        label=_("Notiz"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    call_note = RecordIdField(label=_("Gesprächsnotiz (ID)"))
    vendor_contact = RecordIdField(label=_("Kontakt bei SIC (ID)"))

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticket = ticket

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > limit_mb() * MB:
            raise too_big()
        if upload.size == 0:
            raise empty()
        return upload

    def record(self, name: str, message):
        """The ticket's record (call note, vendor contact) of the id given, or a field error."""
        pk = self.cleaned_data.get(name)
        if pk is None:
            return None
        model = Attachment._meta.get_field(name).related_model
        found = model._default_manager.filter(pk=pk, ticket_id=self.ticket.pk).first()
        if found is None:
            self.add_error(name, ValidationError(message, code="other_ticket"))
        return found

    def clean(self):
        cleaned = super().clean()
        cleaned["call_note"] = self.record(
            "call_note", _("Diese Gesprächsnotiz gehört nicht zu diesem Vorgang.")
        )
        cleaned["vendor_contact"] = self.record(
            "vendor_contact", _("Dieser Kontakt bei SIC gehört nicht zu diesem Vorgang.")
        )
        return cleaned


class WithdrawForm(forms.Form):
    reason = TextField(
        label=_("Grund"),
        max_length=500,
        help_text=_("Steht im Verlauf, z. B. „falsche Datei hochgeladen“. Die Datei bleibt erhalten."),
    )
