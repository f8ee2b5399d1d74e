"""The outbox (R17, DESIGN §9 "E-mail out") against a real SMTP server on 127.0.0.1 (aiosmtpd):
no mail is lost while the server is down, each is delivered once, retries wait longer each time,
the last attempt leaves it failed and visible to management, two senders never send one twice."""

import datetime
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from accounts import roles
from outbox import services as outbox
from outbox.management.commands import send_outbox
from outbox.models import ContentIsFinal, OutgoingEmail
from tests.conftest import client_for, web_client
from tests.factories import create_ticket, run
from tickets.models import RiskReview, State

ROOT = Path(__file__).resolve().parent.parent
RISK = {"category": "software", "risk_relevant": True, "risk_description": "Falsche Menge an Patienten."}

pytestmark = [pytest.mark.req("R17"), pytest.mark.django_db]


def queued(n=1, **kwargs) -> list[OutgoingEmail]:
    """n mails written to the outbox in a transaction whose after-commit delivery is left out."""
    with transaction.atomic():
        return [
            outbox.queue(
                to=kwargs.get("to", [f"leitung{i}@example.test"]),
                subject=f"Nachricht {i}",
                body=f"Text {i}\n",
            )
            for i in range(n)
        ]


def later(minutes) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


def fresh(email) -> OutgoingEmail:
    return OutgoingEmail.objects.get(pk=email.pk)


# ---- nothing lost while the mail server is down ------------------------------------------------


def test_with_the_server_down_a_risk_triage_succeeds_and_its_mail_waits_until_the_server_is_back(
    web, support_user, management_user, smtp_server, django_capture_on_commit_callbacks
):
    ticket = create_ticket(support_user)
    with django_capture_on_commit_callbacks(execute=True):  # the commit: delivery is tried at once
        response = web.post(
            f"/tickets/{ticket.pk}/transitions/triage/",
            {"expected_state": "intake", "is_complaint": "false", **RISK},
        )
    assert response.status_code == 302  # the call is logged whatever the mail server does
    ticket.refresh_from_db()
    assert ticket.state == State.TRIAGE and RiskReview.objects.filter(ticket=ticket).count() == 1
    [email] = OutgoingEmail.objects.filter(ticket=ticket)
    assert (email.state, email.attempts, email.kind) == ("queued", 1, "risk_review")
    assert email.recipients == [management_user.email] and ticket.number in email.subject
    assert "ConnectionRefusedError" in email.last_error
    assert email.next_attempt_at > timezone.now()  # tried again in a minute

    smtp_server.start()
    call_command("send_outbox")  # not due yet
    assert smtp_server.received == []
    assert outbox.deliver_due(now=later(2)) == {"sent": 1}
    call_command("send_outbox")
    outbox.deliver_due(now=later(600))

    [message] = smtp_server.received  # exactly once
    assert message["To"] == management_user.email and message["Message-ID"] == email.message_id
    assert ticket.number in message["Subject"] and "Falsche Menge an Patienten." in message.get_content()
    email = fresh(email)
    assert (email.state, email.attempts, email.last_error, email.next_attempt_at) == ("sent", 2, "", None)
    assert email.sent_at is not None


def test_with_the_server_up_the_mail_goes_out_right_after_the_commit(
    support_user, management_user, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.start()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = run(create_ticket(support_user), "triage", support_user, **RISK)
    [email] = OutgoingEmail.objects.filter(ticket=ticket)
    assert (email.state, email.attempts) == ("sent", 1)
    assert len(smtp_server.received) == 1
    call_command("send_outbox")
    assert len(smtp_server.received) == 1


def test_send_outbox_delivers_each_queued_mail_exactly_once(smtp_server, capsys):
    emails = queued(3)
    smtp_server.start()
    call_command("send_outbox")
    call_command("send_outbox")
    assert "Outbox: 3 sent, 0 to be tried again, 0 failed." in capsys.readouterr().out
    ids = sorted(message["Message-ID"] for message in smtp_server.received)
    assert ids == sorted(email.message_id for email in emails)
    assert {(e.state, e.attempts) for e in OutgoingEmail.objects.all()} == {("sent", 1)}
    subjects = sorted(str(message["Subject"]) for message in smtp_server.received)
    assert subjects == ["Nachricht 0", "Nachricht 1", "Nachricht 2"]


# ---- retries, failure, and what management sees -------------------------------------------------


def test_retries_wait_longer_each_time_and_after_the_last_attempt_the_mail_failed(smtp_server, settings):
    settings.SUPPORTDESK_OUTBOX_ATTEMPTS = 5
    [email] = queued()
    now, waits = timezone.now(), []
    for _attempt in range(4):
        assert outbox.deliver_due(now=now) == {"retry": 1}
        assert outbox.deliver_due(now=now) == {}  # not due again yet
        email = fresh(email)
        waits.append(round((email.next_attempt_at - now).total_seconds() / 60))
        now = email.next_attempt_at
    assert waits == [1, 5, 15, 60]
    assert outbox.deliver_due(now=now) == {"failed": 1}
    email = fresh(email)
    assert (email.state, email.attempts, email.next_attempt_at) == ("failed", 5, None)
    assert "ConnectionRefusedError" in email.last_error
    smtp_server.start()
    assert outbox.deliver_due(now=later(10_000)) == {}  # failed stays failed
    assert smtp_server.received == []


def test_a_permanent_refusal_fails_at_once_with_the_servers_answer(smtp_server):
    smtp_server.refuse = {"niemand@kunde.test"}
    smtp_server.start()
    [email] = queued(to="niemand@kunde.test")
    assert outbox.deliver_due() == {"failed": 1}
    email = fresh(email)
    assert email.state == "failed" and email.attempts == 1
    assert "550" in email.last_error and "no such user" in email.last_error


@pytest.mark.req("R8")
def test_a_failed_mail_shows_first_on_the_outbox_page_and_in_the_api_and_can_be_tried_again(
    users, smtp_server, settings, monkeypatch
):
    settings.SUPPORTDESK_OUTBOX_ATTEMPTS = 1
    sent, failed = queued(2)
    smtp_server.start()
    outbox.deliver_due(ids=[sent.pk])
    smtp_server.stop()
    outbox.deliver_due(ids=[failed.pk])
    assert fresh(failed).state == "failed"

    manager = web_client(users[roles.MANAGEMENT])
    html = manager.get("/outbox/").content.decode()
    assert html.index(failed.subject) < html.index(sent.subject)  # failed first
    assert "Jetzt erneut versuchen" in html and "ConnectionRefusedError" in html
    assert 'href="/outbox/"' in html  # in the navigation
    assert list(manager.get("/outbox/", {"state": "failed"}).context["page"].object_list) == [failed]

    body = client_for(users[roles.ADMIN]).get("/api/v1/outbox/", {"state": "failed"}).json()
    assert body["count"] == 1
    [row] = body["results"]
    assert (row["id"], row["state"], row["attempts"], row["to"]) == (
        failed.pk,
        "failed",
        1,
        failed.recipients,
    )
    assert "ConnectionRefusedError" in row["last_error"] and row["sent_at"] is None
    assert client_for(users[roles.ADMIN]).get("/api/v1/outbox/", {"state": "lost"}).status_code == 400

    smtp_server.start()
    monkeypatch.setattr(outbox, "after_commit", lambda attempt: attempt())  # as once committed
    response = manager.post(f"/outbox/{failed.pk}/retry/", follow=True)
    assert "Die E-Mail wurde gesendet." in response.content.decode()
    assert fresh(failed).state == "sent"
    assert [m["Message-ID"] for m in smtp_server.received] == [sent.message_id, failed.message_id]
    assert manager.post(f"/outbox/{failed.pk}/retry/").status_code == 302  # not failed: refused, no mail
    assert len(smtp_server.received) == 2
    assert manager.post("/outbox/999999/retry/").status_code == 404


@pytest.mark.req("R8")
@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (roles.SUPPORT, False),
        (roles.QMB, False),
        (roles.PROCESS_MANAGER, False),
        (roles.MANAGEMENT, True),
        (roles.ADMIN, True),
    ],
)
def test_only_management_and_the_admin_see_the_outbox(users, role, allowed):
    [email] = queued()
    user = users[role]
    assert client_for(user).get("/api/v1/outbox/").status_code == (200 if allowed else 403)
    assert web_client(user).get("/outbox/").status_code == (200 if allowed else 403)
    assert web_client(user).post(f"/outbox/{email.pk}/retry/").status_code == (302 if allowed else 403)
    assert ('href="/outbox/"' in web_client(user).get("/").content.decode()) == allowed


@pytest.mark.req("R8")
def test_the_outbox_api_needs_a_sign_in(db):
    response = client_for(None).get("/api/v1/outbox/")
    assert response.status_code == 401 and "detail" in response.json()


# ---- the record: content fixed, every change in the history, nothing deleted ----------------------


@pytest.mark.req("R9")
def test_a_mails_content_is_fixed_and_each_delivery_step_leaves_a_history_row(smtp_server):
    [email] = queued()
    outbox.deliver_due()  # refused: to be tried again
    smtp_server.start()
    outbox.deliver_due(now=later(2))
    email = fresh(email)
    reasons = list(email.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons == ["outbox_queued", "outbox_attempt", "outbox_retry", "outbox_attempt", "outbox_sent"]

    email.subject = "geändert"
    with pytest.raises(ContentIsFinal):
        email.save()
    with pytest.raises(Exception, match="nie gelöscht"):
        email.delete()
    call_command("verify_audit_trail")  # every chain verifies (exit 0)


@pytest.mark.django_db(transaction=True)
def test_queue_belongs_inside_the_transaction_of_its_cause():
    with pytest.raises(TransactionManagementError):
        outbox.queue(to="a@example.test", subject="S", body="T")
    assert not OutgoingEmail.objects.exists()


def test_a_mail_keeps_its_message_id_and_headers_and_a_new_line_in_the_subject_is_one_line(db):
    with transaction.atomic():
        email = outbox.queue(
            to=["a@example.test", " b@example.test "],
            subject="Zeile 1\nZeile 2",
            body="T",
            headers={"In-Reply-To": "<x@y>", "Auto-Submitted": "auto-generated", "To": "böse@example.test"},
        )
    assert email.recipients == ["a@example.test", "b@example.test"] and email.subject == "Zeile 1 Zeile 2"
    assert email.message_id.endswith("@localhost>")  # SUPPORTDESK_MAIL_DOMAIN
    assert fresh(email).headers == {
        "Message-ID": email.message_id,
        "In-Reply-To": "<x@y>",
        "Auto-Submitted": "auto-generated",
    }


def test_send_outbox_loop_delivers_and_stops_cleanly_on_sigterm(smtp_server, monkeypatch, capsys):
    """--loop (systemd): delivers what is due, waits, and ends on SIGTERM without losing a mail."""
    monkeypatch.setattr(send_outbox, "close_old_connections", lambda: None)  # the test's transaction
    [email] = queued()
    smtp_server.start()
    before = signal.getsignal(signal.SIGTERM)

    def systemd_stops_it():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
            signal.getsignal(signal.SIGTERM) is before or not smtp_server.received
        ):
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

    stopper = threading.Thread(target=systemd_stops_it, daemon=True)
    stopper.start()
    started = time.monotonic()
    call_command("send_outbox", "--loop", "--interval", "60")
    stopper.join(timeout=5)

    assert time.monotonic() - started < 30  # the signal ended the 60-second wait
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is given back
    out = capsys.readouterr().out
    assert "Outbox: 1 sent" in out and "Outbox sender stopped." in out
    assert fresh(email).state == "sent" and len(smtp_server.received) == 1


# ---- several senders at once (DESIGN §11) --------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_send_outbox_processes_at_once_deliver_each_mail_exactly_once(smtp_server, monkeypatch):
    monkeypatch.setattr(outbox, "after_commit", lambda attempt: None)  # leave them all to the senders
    n = 40
    emails = queued(n)
    smtp_server.delay = 0.05  # each mail takes a moment, so both senders are at work together
    smtp_server.start()
    db = connection.settings_dict
    env = {
        **os.environ,
        **smtp_server.environment(),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    senders = [
        subprocess.Popen(
            [sys.executable, "manage.py", "send_outbox", "--limit", "1000"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [sender.communicate(timeout=120) for sender in senders]
    assert [sender.returncode for sender in senders] == [0, 0], outputs

    ids = [message["Message-ID"] for message in smtp_server.received]
    assert len(ids) == n and sorted(ids) == sorted(email.message_id for email in emails)  # each once
    assert {(e.state, e.attempts) for e in OutgoingEmail.objects.all()} == {("sent", 1)}
    counts = [int(out.split("Outbox: ")[1].split(" sent")[0]) for out, _err in outputs]
    assert sum(counts) == n and min(counts) > 0, counts  # both were at work, side by side
