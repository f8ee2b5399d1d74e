"""The audit trail in the browser and its exports (DESIGN §6, §8): reading only, no case data written."""

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.response import Response

from accounts import lockout, roles, twofactor
from accounts.decorators import role_required
from audit import exports, selectors, services
from audit.models import AuditExport
from supportdesk.spreadsheets import csv_streaming_response

CURSORS = ("before", "after")


def filter_query(request) -> str:
    """The filter's query string without the page cursor, for page links and export links."""
    query = request.GET.copy()
    for name in CURSORS:
        query.pop(name, None)
    return query.urlencode()


def page_cursors(request, form) -> dict:
    """?before= / ?after=: the page's place in the stream; a bad one is a form error."""
    try:
        return {name: selectors.cursor_from(request.GET.get(name)) for name in CURSORS}
    except ValidationError as error:
        form.add_error(None, error)
        return {}


@require_http_methods(["GET", "HEAD"])
@role_required(roles.can_read_audit_trail)
def audit_trail(request):
    form = selectors.AuditFilterForm(request.GET)
    cursors = page_cursors(request, form)
    page = selectors.audit_page(form.audit_filter(), **cursors) if form.is_valid() else None
    query = filter_query(request)
    context = {"form": form, "page": page, "query": query, "filtered": bool(query)}
    return render(request, "audit/trail.html", context, status=200 if page else 400)


def export_filter(request):
    form = selectors.AuditFilterForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        return None, HttpResponseBadRequest(_("Ungültiger Filter: %(errors)s") % {"errors": errors})
    return form.audit_filter(), None


def stamped(stem: str, suffix: str) -> str:
    """A download's file name with the moment it was made."""
    return f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.{suffix}"


def attachment_name(stem: str, suffix: str) -> str:
    return f'attachment; filename="{stamped(stem, suffix)}"'


@require_http_methods(["GET"])
@role_required(roles.can_export)
def audit_export_csv(request):
    f, refusal = export_filter(request)
    if refusal:
        return refusal
    services.audit_export_record(
        by=request.user, request=request, format=AuditExport.Format.CSV, audit_filter=f
    )
    return csv_streaming_response(exports.csv_rows(f), filename=stamped("audit-trail", "csv"))


@require_http_methods(["GET"])
@role_required(roles.can_export)
def audit_export_pdf(request):
    f, refusal = export_filter(request)
    if refusal:
        return refusal
    services.audit_export_record(
        by=request.user, request=request, format=AuditExport.Format.PDF, audit_filter=f
    )
    response = exports.pdf_response(exports.trail_pdf(f, by=request.user))
    response["Content-Disposition"] = attachment_name("audit-trail", "pdf")
    return response


class LockedOut(APIException):
    """429 with Retry-After (DRF sets it from `wait`): the username is locked out (R18)."""

    status_code = 429
    default_code = "locked_out"

    def __init__(self, username: str):
        super().__init__(lockout.locked_message(username))
        self.wait = lockout.retry_after(username)


class TokenRequestSerializer(AuthTokenSerializer):
    # As long as a username can be: a longer one is refused here, before the lock-out records it.
    username = serializers.CharField(label=gettext_lazy("Benutzername"), max_length=150, write_only=True)
    otp = serializers.CharField(
        required=False,
        max_length=20,
        allow_blank=True,
        write_only=True,
        label=gettext_lazy("Bestätigungscode"),
        help_text=gettext_lazy(
            "Nur mit Zwei-Faktor-Anmeldung: der Code der App oder ein Wiederherstellungscode."
        ),
    )

    def validate(self, attrs):
        request, username = self.context["request"], attrs["username"]
        user = authenticate(request=request, username=username, password=attrs["password"])
        if user is None:
            if lockout.refused(request):
                raise LockedOut(username)
            raise serializers.ValidationError(_("Mit diesen Angaben ist keine Anmeldung möglich."))
        if twofactor.required(user) and not twofactor.is_on(user):
            raise PermissionDenied(twofactor.ENROL_FIRST)
        try:
            twofactor.sign_in_device(request, user, attrs.get("otp", ""))
        except ValidationError as error:
            raise serializers.ValidationError({"otp": error.messages}) from error
        return {"user": user}


class ObtainAuthTokenRecorded(ObtainAuthToken):
    """A token for the header `Authorization: Token …`, valid for SUPPORTDESK_TOKEN_SECONDS (8 hours)
    from when it was issued; with two-factor on, `otp` is needed as well. After
    SUPPORTDESK_LOGIN_ATTEMPTS (5) failures for a username every attempt is refused for
    SUPPORTDESK_LOCKOUT_SECONDS (15 minutes): 429 with Retry-After. A token handed out, a failure
    and a refusal are each a sign-in event (R13). The body is the credential: no other
    authentication is read.
    """

    serializer_class = TokenRequestSerializer
    authentication_classes = ()

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = services.api_token_issue(user=serializer.validated_data["user"], request=request)
        return Response({"token": token.key})


obtain_auth_token = ObtainAuthTokenRecorded.as_view()
