"""Reminders by e-mail, run from cron (`manage.py send_reminders`): the database is the queue.

Each reminder is claimed by INSERTing its ReminderSent row (unique per kind, key and day), and its
mail is written to the outbox in the same transaction; whoever loses the insert skips it. So two
runs, or two servers running the command at once, queue each reminder once (healthchecks' sendalerts
pattern), and the outbox delivers each queued mail once (R17).
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts import roles
from outbox import services as outbox
from outbox.models import OutgoingEmail
from reminders.models import ReminderSent
from supportdesk.workdays import is_working_day, next_working_day
from tickets.models import RiskReview, Ticket
from tickets.services import management_users

log = logging.getLogger(__name__)

FOLLOW_UP_DIGEST = "follow_up_digest"
RISK_REVIEW_OVERDUE = "risk_review_overdue"
# Nothing is sent before this local time (Europe/Berlin), so a cron run at 00:05 mails nobody at night.
SEND_FROM = datetime.time(7, 0)


def review_overdue_at(requested_at: datetime.datetime) -> datetime.datetime:
    """A review is overdue one working day after it was requested: the same clock time on the next
    working day (Friday 15:00 → Monday 15:00; Saturday 10:00 → Monday 10:00)."""
    local = timezone.localtime(requested_at)
    return timezone.make_aware(datetime.datetime.combine(next_working_day(local.date()), local.time()))


def claim(kind: str, key, day: datetime.date, recipients: list[str]) -> bool:
    """INSERT the reminder's row; False when another run already has it (the unique constraint)."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(kind=kind, key=str(key), day=day, recipients=", ".join(recipients))
    except IntegrityError:
        return False
    return True


def link(name: str, **kwargs) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def send(template: str, context: dict, recipients: list[str]) -> None:
    """Write the reminder to the outbox (R17), inside the caller's transaction: delivered after
    commit and by `send_outbox`, with retries."""
    with translation.override("de"):
        subject = render_to_string(f"reminders/email/{template}-subject.txt", context)
        text = render_to_string(f"reminders/email/{template}-body-text.txt", context)
        html = render_to_string(f"reminders/email/{template}-body-html.html", context)
    outbox.queue(
        to=recipients,
        subject=" ".join(subject.split()),
        body=text,
        html=html,
        ticket=context.get("ticket"),
        kind=OutgoingEmail.Kind.REMINDER,
    )


def claim_and_send(kind, key, day, template, context, recipients) -> bool:
    """Claim the reminder and queue its mail in one transaction: both are written, or neither. A
    mail server that is down changes nothing here; the outbox delivers the mail once it is back."""
    with transaction.atomic():
        if not claim(kind, key, day, recipients):
            return False
        send(template, context, recipients)
    return True


def follow_up_digests(now: datetime.datetime) -> int:
    """Each active support user with an e-mail address: the follow-ups due today or overdue that are
    assigned to them, plus those no such user is assigned to (unassigned, or assigned to someone
    else, e.g. management), which go to every support user. No tickets, no mail."""
    today = timezone.localdate(now)
    due = list(
        Ticket.objects.follow_up_due(today)
        .select_related("customer")
        .order_by("follow_up_date", "created_at", "pk")
    )
    if not due:
        return 0
    for ticket in due:
        ticket.link = link("ticket-detail", pk=ticket.pk)
        ticket.overdue = ticket.follow_up_date < today
    users = list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.SUPPORT)
        .exclude(email="")
        .order_by("pk")
        .distinct()
    )
    user_ids = {user.pk for user in users}
    unassigned = [ticket for ticket in due if ticket.assignee_id not in user_ids]
    sent = 0
    for user in users:
        mine = [ticket for ticket in due if ticket.assignee_id == user.pk]
        if not mine and not unassigned:
            continue
        context = {
            "user": user,
            "mine": mine,
            "unassigned": unassigned,
            "count": len(mine) + len(unassigned),
            "today": today,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        sent += claim_and_send(FOLLOW_UP_DIGEST, user.pk, today, FOLLOW_UP_DIGEST, context, [user.email])
    return sent


def risk_review_reminders(now: datetime.datetime) -> int:
    """Every pending review overdue (one working day after it was requested) is mailed to management
    again, once per working day until it is signed."""
    today = timezone.localdate(now)
    if not is_working_day(today):
        return 0
    pending = (
        RiskReview.objects.filter(
            state=RiskReview.State.PENDING, created_at__lte=now - datetime.timedelta(days=1)
        )
        .select_related("ticket__customer", "requested_by")
        .order_by("created_at", "pk")
    )
    overdue = [review for review in pending if review_overdue_at(review.created_at) <= now]
    recipients = list(management_users().order_by("pk").values_list("email", flat=True))
    if overdue and not recipients:
        log.warning("%d risk reviews overdue, but no management user has an e-mail address", len(overdue))
        return 0
    sent = 0
    for review in overdue:
        context = {
            "review": review,
            "ticket": review.ticket,
            "overdue_since": review_overdue_at(review.created_at),
            "link": link("ticket-detail", pk=review.ticket_id),
            "sign_link": link("risk-reviews"),
        }
        sent += claim_and_send(
            RISK_REVIEW_OVERDUE, review.pk, today, RISK_REVIEW_OVERDUE, context, recipients
        )
    return sent


def reminders_send(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Send what is due now; safe to run every few minutes and from several servers at once."""
    now = now or timezone.now()
    if timezone.localtime(now).time() < SEND_FROM or not is_working_day(timezone.localdate(now)):
        return {FOLLOW_UP_DIGEST: 0, RISK_REVIEW_OVERDUE: 0}
    return {FOLLOW_UP_DIGEST: follow_up_digests(now), RISK_REVIEW_OVERDUE: risk_review_reminders(now)}
