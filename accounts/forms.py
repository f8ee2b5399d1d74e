"""The sign-in forms (R18, DESIGN §11): the login with the second factor's code, the admin's login,
and turning two-factor on and off."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import lockout, twofactor


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Bestätigungscode"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "one-time-code"}))
        super().__init__(**kwargs)


class LockoutMessage:
    """For Django's login forms: a locked-out username is told so, not "wrong password"."""

    def get_invalid_login_error(self):
        if lockout.refused(self.request):
            return ValidationError(lockout.locked_message(self.cleaned_data["username"]), code="locked_out")
        return super().get_invalid_login_error()


class LoginForm(LockoutMessage, AuthenticationForm):
    otp = CodeField(
        required=False,
        help_text=_("Nur mit Zwei-Faktor-Anmeldung: der Code aus Ihrer App oder ein Wiederherstellungscode."),
    )

    def clean(self):
        data = super().clean()  # the password, through authenticate(): the lock-out counts it
        if self.user_cache is not None:
            try:
                device = twofactor.sign_in_device(self.request, self.user_cache, data.get("otp", ""))
            except ValidationError as error:
                self.add_error("otp", error)
                return data
            # django-otp's receiver of user_logged_in keeps the device in the session (verified).
            if device is not None:
                self.user_cache.otp_device = device
        return data


class AdminLoginForm(LockoutMessage, AdminAuthenticationForm):
    """The admin's login asks for no code: with two-factor on, TwoFactorMiddleware ends that session
    and sends the person to the login page."""


class TwoFactorConfirmForm(forms.Form):
    code = CodeField(help_text=_("Der sechsstellige Code, den Ihre App jetzt anzeigt."))

    def __init__(self, data=None, *, device, **kwargs):
        self.device = device
        super().__init__(data, **kwargs)

    def clean_code(self):
        if not self.device.verify_token("".join(self.cleaned_data["code"].split())):
            raise ValidationError(twofactor.CODE_WRONG, code="otp_invalid")
        return ""


class TwoFactorOffForm(forms.Form):
    password = forms.CharField(label=_("Ihr Passwort"), strip=False, widget=forms.PasswordInput)
    code = CodeField(help_text=_("Aus Ihrer App oder ein Wiederherstellungscode."))

    def __init__(self, data=None, *, request, **kwargs):
        self.request = request
        super().__init__(data, **kwargs)

    def clean(self):
        data = super().clean()
        user = self.request.user
        if "password" in data:
            wrong = _("Das Passwort ist falsch; die Zwei-Faktor-Anmeldung bleibt eingeschaltet.")
            try:
                lockout.confirm_password(self.request, user, data["password"], wrong=wrong)
            except ValidationError as error:
                self.add_error("password", error)
        if "code" in data and not self.errors:
            try:
                twofactor.sign_in_device(self.request, user, data["code"])
            except ValidationError as error:
                self.add_error("code", error)
        return data
