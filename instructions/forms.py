"""The data a revision of the work instruction and its signatures need; shared by pages, API,
management commands and the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import lockout
from instructions.models import WorkInstructionRevision
from supportdesk.forms import ChoiceField, DateField, LongTextField, TextField

MAX_TEXT = 200000


class RevisionForm(forms.Form):
    """A new draft, or a draft's changes."""

    title = TextField(max_length=200, required=False, label=_("Titel"))
    text = LongTextField(max_length=MAX_TEXT, label=_("Text der Arbeitsanweisung"))
    change_summary = LongTextField(
        label=_("Änderungen gegenüber dem bisherigen Stand"),
        help_text=_("Steht in der Änderungshistorie, z. B. „Erste Ausgabe“ oder „Schritt 5 ergänzt“."),
    )
    effective_date = DateField(
        required=False, label=_("gültig ab"), help_text=_("Leer: ab der Freigabe durch den QMB.")
    )

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError(_("Der Text darf nicht leer sein."), code="required")
        return text


class SignForm(forms.Form):
    """A signature: the signed-in person's password, re-entered."""

    password = TextField(widget=forms.PasswordInput, label=_("Ihr Passwort (Unterschrift)"), strip=False)

    def __init__(self, data=None, *, user=None, request=None, **kwargs):
        self.user, self.request = user, request
        super().__init__(data, **kwargs)

    def clean_password(self):
        # Through authenticate(): a wrong password counts for the lock-out and is recorded (R18).
        wrong = _("Das Passwort ist falsch; die Revision wurde nicht unterschrieben.")
        lockout.confirm_password(self.request, self.user, self.cleaned_data["password"], wrong=wrong)
        return ""


class AuthorSignForm(SignForm):
    """The author's signature (meaning "authored")."""


class ApproveSignForm(SignForm):
    """The QMB's signature (meaning "approved")."""


class MeaningForm(forms.Form):
    """What the signature means (API: `meaning`): authored (the author) or approved (the QMB)."""

    meaning = ChoiceField(
        choices=WorkInstructionRevision.Meaning.choices, label=_("Bedeutung der Unterschrift")
    )


class SignRequestForm(MeaningForm, SignForm):
    """The API's body of a signature (documents `{"password", "meaning"}`)."""


class ValidationSignForm(SignForm):
    def clean_password(self):
        wrong = _("Das Passwort ist falsch; der Validierungsbericht wurde nicht unterschrieben.")
        lockout.confirm_password(self.request, self.user, self.cleaned_data["password"], wrong=wrong)
        return ""
