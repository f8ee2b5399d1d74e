"""The login page (the second factor's code, the lock-out's answer) and the page where each person
turns two-factor on and off (R18, DESIGN §11)."""

import django_otp
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import lockout, services, twofactor
from accounts.forms import LoginForm, TwoFactorConfirmForm, TwoFactorOffForm


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if lockout.refused(self.request):
            response.status_code = 429  # Too Many Requests: the username is locked out
        return response


def enrolment_page(request, form, *, status=200):
    device = services.two_factor_enrolment(user=request.user)
    if form is None:
        form = TwoFactorConfirmForm(device=device)
    context = {
        "form": form,
        "qr_code": twofactor.qr_code(device),
        "secret": twofactor.secret(device),
        "required": twofactor.required(request.user),
    }
    return render(request, "accounts/two_factor_enrol.html", context, status=status)


def status_page(request, form=None, *, status=200):
    context = {
        "form": form or TwoFactorOffForm(request=request),
        "required": twofactor.required(request.user),
    }
    return render(request, "accounts/two_factor_on.html", context, status=status)


@require_http_methods(["GET"])
@login_required
def two_factor(request):
    if twofactor.is_on(request.user):
        return status_page(request)
    return enrolment_page(request, None)


@require_http_methods(["POST"])
@login_required
def two_factor_confirm(request):
    if twofactor.is_on(request.user):
        return redirect("two-factor")
    form = TwoFactorConfirmForm(request.POST, device=services.two_factor_enrolment(user=request.user))
    if not form.is_valid():
        return enrolment_page(request, form, status=400)
    codes = services.two_factor_turn_on(device=form.device)
    django_otp.login(request, form.device)  # this session has shown the second factor
    return render(request, "accounts/two_factor_codes.html", {"codes": codes})


@require_http_methods(["POST"])
@login_required
def two_factor_off(request):
    if not twofactor.is_on(request.user):
        return redirect("two-factor")
    if twofactor.required(request.user):
        messages.error(request, _("Ihre Rolle verlangt die Zwei-Faktor-Anmeldung; sie bleibt eingeschaltet."))
        return redirect("two-factor")
    form = TwoFactorOffForm(request.POST, request=request)
    if not form.is_valid():
        return status_page(request, form, status=429 if lockout.refused(request) else 400)
    services.two_factor_turn_off(user=request.user)
    messages.success(request, _("Die Zwei-Faktor-Anmeldung ist ausgeschaltet."))
    return redirect("two-factor")
