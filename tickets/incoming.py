"""Incoming calls (DESIGN §9 "Calls"): the phone system's endpoint and the banner on every page.

The banner is polled by htmx every few seconds: a short request of a fixed number of queries that
holds no worker while it waits (gunicorn sync workers), and does not keep an idle session alive.
"""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from accounts import roles
from accounts.decorators import role_required
from calls import selectors as call_selectors
from calls import services as call_services
from calls.forms import CallReportForm
from calls.matching import caller_matches
from calls.models import IncomingCall
from supportdesk.api import request_data
from supportdesk.schema import form_body
from tickets import selectors

CallReportSerializer = form_body(CallReportForm, "CallReport")
DISMISSED = "supportdesk_dismissed_calls"  # in the session: calls this person put away
STOP_POLLING = 286  # htmx stops polling on this status (signed out meanwhile)


class CallMatchSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer.pk")
    customer_name = serializers.CharField(source="customer.name")
    contact = serializers.IntegerField(source="contact.pk", allow_null=True, default=None)
    contact_name = serializers.CharField(source="contact.name", allow_null=True, default=None)


class CallSerializer(serializers.ModelSerializer):
    agent = serializers.CharField(source="agent.username", allow_null=True, default=None)
    matches = serializers.SerializerMethodField()
    open_tickets = serializers.SerializerMethodField()

    class Meta:
        model = IncomingCall
        fields = ["id", "caller_phone", "called_number", "agent", "external_id", "received_at"]
        fields += ["matches", "open_tickets", "handled_at"]

    @extend_schema(responses=CallMatchSerializer(many=True))
    def get_matches(self, call) -> list[dict]:
        return CallMatchSerializer(caller_matches(call.caller_phone), many=True).data

    def get_open_tickets(self, call) -> list[int]:
        if call.customer_id is None:
            return []
        return [
            ticket.pk for ticket in selectors.open_tickets_of([call.customer_id]).get(call.customer_id, [])
        ]


class CanReportCalls(permissions.BasePermission):
    """POST: the phone system's account (telephony) and whoever logs calls; GET: every reading role."""

    def has_permission(self, request, view):
        if request.method == "POST":
            return roles.can_report_calls(request.user)
        return roles.can_read(request.user)


@extend_schema(request=CallReportSerializer, responses={200: CallSerializer, 201: CallSerializer})
class CallViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = call_selectors.recent_calls()
    serializer_class = CallSerializer
    permission_classes = [CanReportCalls]
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        call, new = call_services.call_report(by=request.user, data=request_data(request))
        return Response(
            self.get_serializer(call).data, status=status.HTTP_201_CREATED if new else status.HTTP_200_OK
        )


def banner(request):
    """The calls for this agent, with each caller's open tickets (htmx fragment; 4 queries)."""
    if not roles.can_work(request.user):  # signed out meanwhile (or a reading role)
        return HttpResponse(status=STOP_POLLING)
    calls = call_selectors.banner_calls(request.user, request.session.get(DISMISSED, []))
    open_tickets = selectors.open_tickets_of(call.customer_id for call in calls if call.customer_id)
    rows = [{"call": call, "tickets": open_tickets.get(call.customer_id, [])} for call in calls]
    return render(request, "tickets/_call_banner.html", {"rows": rows})


@require_http_methods(["POST"])
@role_required(roles.can_work)
def dismiss(request, pk):
    """Put a call away for this person (the phone may have been answered by a colleague)."""
    request.session[DISMISSED] = [*request.session.get(DISMISSED, [])[-20:], pk]
    if request.htmx:
        return banner(request)
    return redirect(request.POST.get("next") or "dashboard")
