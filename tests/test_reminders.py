"""send_reminders: follow-up digests and overdue risk reviews, each sent once (the database is the queue)."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from accounts import roles
from audit.history import save_audited
from outbox.models import OutgoingEmail
from outbox.services import deliver_due
from reminders import services
from reminders.models import ReminderSent
from supportdesk import workdays
from tests.factories import run, ticket_in_state, user_with_role
from tickets.models import State

SITE = "https://support.example.test"
# Reminders are written to the outbox (R17); here it delivers them at once (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("outbox_sends_at_once")


def local(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def next_monday(hour=8, minute=0) -> datetime.datetime:
    """The coming Monday (after today), so every date in these tests lies in the past of `now`."""
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    return local(monday.year, monday.month, monday.day, hour, minute)


def due_ticket(by, *, due: datetime.date, assignee=None, state=State.PROGRAM_REQUEST):
    ticket = ticket_in_state(state, by)
    ticket.follow_up_date = due
    ticket.assignee = assignee
    save_audited(ticket, by=by, reason="test: follow-up date")
    return ticket


def pending_review(by, requested_at):
    ticket = run(ticket_in_state(State.TRIAGE, by), "flag_risk", by)
    review = ticket.risk_reviews.get()
    review.created_at = requested_at
    save_audited(review, by=by, reason="test: requested earlier")
    mail.outbox.clear()  # the mail "review requested" (the outbox sends it at once here): not a reminder
    return review


def mails_to(address):
    return [message for message in mail.outbox if message.to == [address]]


# ---- the working-day rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "overdue"),
    [
        ((2026, 3, 16, 9, 30), (2026, 3, 17, 9, 30)),  # Monday → Tuesday, same time
        ((2026, 3, 19, 15, 0), (2026, 3, 20, 15, 0)),  # Thursday → Friday
        ((2026, 3, 20, 15, 0), (2026, 3, 23, 15, 0)),  # Friday afternoon → Monday afternoon
        ((2026, 3, 21, 10, 0), (2026, 3, 23, 10, 0)),  # Saturday → Monday
        ((2026, 3, 22, 23, 0), (2026, 3, 23, 23, 0)),  # Sunday night → Monday night
        ((2026, 3, 27, 12, 0), (2026, 3, 30, 12, 0)),  # across the switch to summer time: local clock time
    ],
)
def test_a_review_is_overdue_one_working_day_after_it_was_requested(requested, overdue):
    assert services.review_overdue_at(local(*requested)) == local(*overdue)


def test_working_days_are_monday_to_friday():
    week = [datetime.date(2026, 3, 16) + datetime.timedelta(days=n) for n in range(7)]
    assert [workdays.is_working_day(day) for day in week] == [True] * 5 + [False] * 2


# ---- risk review reminders ---------------------------------------------------------------------


@override_settings(SITE_URL=SITE)
def test_a_review_requested_on_friday_afternoon_is_reminded_on_monday_afternoon(
    support_user, management_user, mailoutbox
):
    monday = next_monday()
    friday_15 = monday.replace(hour=15) - datetime.timedelta(days=3)
    review = pending_review(support_user, friday_15)

    assert services.reminders_send(now=monday.replace(hour=14, minute=59))["risk_review_overdue"] == 0
    assert (
        services.reminders_send(now=monday - datetime.timedelta(days=1))["risk_review_overdue"] == 0
    )  # Sunday
    assert mailoutbox == []

    assert services.reminders_send(now=monday.replace(hour=15, minute=0))["risk_review_overdue"] == 1
    [message] = mailoutbox
    assert message.to == [management_user.email]
    assert review.ticket.number in message.subject and "Erinnerung" in message.subject
    assert f"{SITE}/tickets/{review.ticket_id}/" in message.body and f"{SITE}/risk-reviews/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and f'href="{SITE}/tickets/{review.ticket_id}/"' in html


def test_an_overdue_review_is_reminded_once_per_working_day_until_signed(
    support_user, management_user, mailoutbox
):
    monday = next_monday()
    pending_review(support_user, monday - datetime.timedelta(days=3))  # Friday 08:00
    for now in (monday, monday.replace(hour=12), monday.replace(hour=17)):
        services.reminders_send(now=now)
    assert len(mailoutbox) == 1
    services.reminders_send(now=monday + datetime.timedelta(days=1))  # Tuesday 08:00
    assert len(mailoutbox) == 2
    assert ReminderSent.objects.filter(kind="risk_review_overdue").count() == 2


def test_a_signed_or_fresh_review_is_not_reminded(support_user, management_user, mailoutbox):
    from tests.factories import PASSWORD
    from tickets import services as ticket_services

    monday = next_monday(hour=10)
    signed = pending_review(support_user, monday - datetime.timedelta(days=5))
    ticket_services.risk_review_sign(
        ticket_id=signed.ticket_id, by=management_user, data={"decision": "no_action", "password": PASSWORD}
    )
    pending_review(support_user, monday.replace(hour=9))  # an hour old
    assert services.reminders_send(now=monday)["risk_review_overdue"] == 0
    assert mailoutbox == []


# ---- follow-up digests -------------------------------------------------------------------------


@override_settings(SITE_URL=SITE)
def test_each_support_user_gets_a_digest_of_their_due_follow_ups_and_the_unassigned_ones(
    support_user, management_user, mailoutbox
):
    colleague = user_with_role(roles.SUPPORT)
    user_with_role(roles.SUPPORT, email="")  # no address: no mail
    user_with_role(roles.SUPPORT, is_active=False)
    monday = next_monday()
    today = monday.date()
    mine = due_ticket(support_user, due=today, assignee=support_user)
    overdue = due_ticket(support_user, due=today - datetime.timedelta(days=3), assignee=colleague)
    orphan = due_ticket(support_user, due=today - datetime.timedelta(days=1), assignee=management_user)
    due_ticket(support_user, due=today + datetime.timedelta(days=1), assignee=support_user)  # not due yet
    at_sic = due_ticket(support_user, due=today, assignee=None, state=State.ESCALATED)

    assert services.reminders_send(now=monday)["follow_up_digest"] == 2

    [own] = mails_to(support_user.email)
    assert mine.number in own.body and orphan.number in own.body and at_sic.number in own.body
    assert overdue.number not in own.body
    assert "Wiedervorlage: 3 Vorgänge" in own.subject
    assert f"{SITE}/tickets/{mine.pk}/" in own.body
    assert f'href="{SITE}/tickets/{orphan.pk}/"' in own.alternatives[0][0]
    [theirs] = mails_to(colleague.email)
    assert overdue.number in theirs.body and "überfällig" in theirs.body and mine.number not in theirs.body
    assert len(mailoutbox) == 2
    assert mails_to(management_user.email) == []


def test_no_digest_without_due_tickets_nor_before_seven_nor_on_weekends(support_user, mailoutbox):
    monday = next_monday()
    due_ticket(support_user, due=monday.date() + datetime.timedelta(days=2), assignee=support_user)
    assert services.reminders_send(now=monday)["follow_up_digest"] == 0
    due_ticket(support_user, due=monday.date() - datetime.timedelta(days=3), assignee=support_user)
    assert services.reminders_send(now=monday.replace(hour=6, minute=59))["follow_up_digest"] == 0
    assert services.reminders_send(now=monday - datetime.timedelta(days=1))["follow_up_digest"] == 0  # Sunday
    assert mailoutbox == []


# ---- each reminder once --------------------------------------------------------------------------


def test_run_twice_each_reminder_goes_out_once(support_user, management_user, mailoutbox):
    monday = next_monday()
    due_ticket(support_user, due=monday.date(), assignee=support_user)
    pending_review(support_user, monday - datetime.timedelta(days=3))
    first = services.reminders_send(now=monday)
    second = services.reminders_send(now=monday.replace(minute=5))
    assert first == {"follow_up_digest": 1, "risk_review_overdue": 1}
    assert second == {"follow_up_digest": 0, "risk_review_overdue": 0}
    assert len(mailoutbox) == 2


def test_the_command_reports_what_it_sent(support_user, monkeypatch, mailoutbox, capsys):
    monday = next_monday()
    monkeypatch.setattr(
        "reminders.management.commands.send_reminders.reminders_send",
        lambda: services.reminders_send(now=monday),
    )
    due_ticket(support_user, due=monday.date(), assignee=support_user)
    call_command("send_reminders")
    call_command("send_reminders")
    assert len(mailoutbox) == 1
    assert "1 follow-up digests" in capsys.readouterr().out


@pytest.mark.req("R17")
def test_a_mail_server_outage_loses_no_reminder_and_sends_none_twice(support_user, monkeypatch, mailoutbox):
    monday = next_monday()
    due_ticket(support_user, due=monday.date(), assignee=support_user)

    def refuse(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    assert services.reminders_send(now=monday)["follow_up_digest"] == 1  # claimed and queued
    [queued] = OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.REMINDER)
    assert queued.state == OutgoingEmail.State.QUEUED and "ConnectionRefusedError" in queued.last_error
    assert services.reminders_send(now=monday.replace(minute=5))["follow_up_digest"] == 0  # not again
    monkeypatch.undo()

    assert deliver_due(now=timezone.now() + datetime.timedelta(minutes=2))["sent"] == 1
    [message] = mailoutbox
    assert message.to == [support_user.email] and "Wiedervorlage" in message.subject
    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.REMINDER).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_servers_running_it_at_once_send_each_reminder_once(support_user, management_user, mailoutbox):
    monday = next_monday()
    colleague = user_with_role(roles.SUPPORT)
    for user in (support_user, colleague):
        for _ in range(3):
            due_ticket(support_user, due=monday.date(), assignee=user)
    for _ in range(3):
        pending_review(support_user, monday - datetime.timedelta(days=4))
    mail.outbox.clear()  # the "review requested" mails of the setup (on_commit fires here)

    barrier = threading.Barrier(2)
    results, errors = [], []

    def server():
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results.append(services.reminders_send(now=monday))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=server, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == [] and len(results) == 2
    assert sum(r["follow_up_digest"] for r in results) == 2
    assert sum(r["risk_review_overdue"] for r in results) == 3
    assert len(mails_to(support_user.email)) == 1 and len(mails_to(colleague.email)) == 1
    assert len(mails_to(management_user.email)) == 3
    assert ReminderSent.objects.count() == 5
