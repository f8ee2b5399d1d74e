"""Reads of incoming calls: who is calling, and the calls an agent's banner shows."""

import datetime

from django.db.models import Q
from django.utils import timezone

from calls.models import IncomingCall

# A call shows on the banner this long after it came in, unless it was logged or dismissed.
BANNER_MINUTES = 10
BANNER_LIMIT = 3


def recent_calls():
    return IncomingCall.objects.select_related("customer", "contact", "agent").order_by("-received_at", "-pk")


def banner_calls(user, dismissed=()) -> list[IncomingCall]:
    """Calls of the last minutes for this agent or for nobody in particular, not yet logged."""
    since = timezone.now() - datetime.timedelta(minutes=BANNER_MINUTES)
    calls = recent_calls().filter(Q(agent=user) | Q(agent__isnull=True), received_at__gte=since)
    return list(calls.filter(handled_at__isnull=True).exclude(pk__in=list(dismissed))[:BANNER_LIMIT])


def call_for_intake(pk) -> IncomingCall | None:
    return recent_calls().filter(pk=pk).first()
