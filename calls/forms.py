from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from supportdesk.forms import TextField


class CallReportForm(forms.Form):
    """What a phone system sends (DESIGN §7 `POST /api/v1/calls/`)."""

    caller_phone = TextField(max_length=40, label=_("Anrufer"))
    called_number = TextField(max_length=40, required=False, label=_("angerufene Nummer"))
    agent = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True),
        to_field_name="username",
        required=False,
        label=_("für (Benutzername)"),
        error_messages={"invalid_choice": _("Diesen Benutzer gibt es nicht.")},
    )
    external_id = TextField(max_length=200, required=False, label=_("Kennung der Telefonanlage"))
