"""E-mail to the customer through the outbox (R17, R2; DESIGN §7 `…/tickets/{id}/emails/`, §9 "E-mail
out"), against a real SMTP server on 127.0.0.1: the ticket number in the subject, a Message-ID and
References so replies thread, shown in the timeline, and counting for closing only once sent."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import roles
from outbox import services as outbox
from outbox.models import OutgoingEmail
from supportdesk.errors import Conflict
from tests.conftest import client_for
from tests.factories import create_ticket, run, ticket_in_state
from tickets.models import Channel, CustomerNotification, NotificationKind, State, Ticket

pytestmark = [pytest.mark.req("R17"), pytest.mark.django_db]

MAIL = {
    "to": "einkauf@rheinblick.test",
    "subject": "Ihr Programmwunsch",
    "body": "Guten Tag,\nSIC lehnt ab.\n",
}


def emails_url(ticket):
    return f"/api/v1/tickets/{ticket.pk}/emails/"


def later(minutes=2):
    return timezone.now() + datetime.timedelta(minutes=minutes)


@pytest.fixture
def sends_after_commit(monkeypatch):
    """The delivery right after the service's commit (a test's transaction never commits)."""
    monkeypatch.setattr(outbox, "after_commit", lambda attempt: attempt())


# ---- threaded mails ----------------------------------------------------------------------------


@pytest.mark.usefixtures("sends_after_commit")
def test_customer_mails_carry_the_ticket_number_a_message_id_and_answer_the_previous_one(
    api, support_user, smtp_server, settings
):
    settings.SUPPORTDESK_MAIL_DOMAIN = "support.mcs.test"
    smtp_server.start()
    ticket = create_ticket(support_user)
    first = api.post(emails_url(ticket), {**MAIL, "subject": "Rückfrage"}, format="json")
    second = api.post(
        emails_url(ticket), {**MAIL, "subject": f"AW: [{ticket.number}] Rückfrage"}, format="json"
    )
    third = api.post(emails_url(ticket), {**MAIL, "subject": "Nachtrag"}, format="json")
    assert [r.status_code for r in (first, second, third)] == [201, 201, 201]
    assert first.json()["state"] == "sent" and first.json()["direction"] == "out"

    one, two, three = smtp_server.received
    assert one["Subject"] == f"[{ticket.number}] Rückfrage"
    assert two["Subject"] == f"AW: [{ticket.number}] Rückfrage"  # the number only once
    assert one["Message-ID"].endswith("@support.mcs.test>") and one["In-Reply-To"] is None
    assert two["In-Reply-To"] == one["Message-ID"] and two["References"] == one["Message-ID"]
    assert three["In-Reply-To"] == two["Message-ID"]
    assert three["References"].split() == [one["Message-ID"], two["Message-ID"]]
    assert one["To"] == "einkauf@rheinblick.test" and one.get_content().replace("\r\n", "\n") == MAIL["body"]
    other = create_ticket(support_user)  # another ticket starts its own thread
    api.post(emails_url(other), MAIL, format="json")
    assert smtp_server.received[-1]["In-Reply-To"] is None


@pytest.mark.usefixtures("sends_after_commit")
def test_the_ticket_pages_mail_is_queued_threaded_and_shown_in_the_timeline(web, support_user, smtp_server):
    smtp_server.start()
    ticket = ticket_in_state(State.REJECTED, support_user)
    draft = web.get(f"/tickets/{ticket.pk}/email/").context["form"].initial
    assert f"[{ticket.number}]" in draft["subject"]
    response = web.post(
        f"/tickets/{ticket.pk}/email/",
        {**draft, "to": MAIL["to"], "body": "Die Begründung von SIC: …"},
        follow=True,
    )
    html = response.content.decode()
    assert "Die E-Mail wurde gesendet. Sie ist als Kundeninformation erfasst." in html
    assert f"E-Mail an {MAIL['to']}" in html and "gesendet" in html  # the timeline
    [message] = smtp_server.received
    assert (
        message["Subject"] == draft["subject"]
        and message.get_content().strip() == "Die Begründung von SIC: …"
    )


def test_a_mail_without_a_notification_shows_its_text_in_the_timeline(web, api, support_user, smtp_server):
    ticket = create_ticket(support_user)
    assert (
        api.post(
            emails_url(ticket), {**MAIL, "body": "Bitte senden Sie uns das Protokoll."}, format="json"
        ).status_code
        == 201
    )
    html = web.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Bitte senden Sie uns das Protokoll." in html
    assert "wartet im Postausgang" in html  # the server is down: it waits
    assert not CustomerNotification.objects.filter(ticket=ticket).exists()  # no kind: no notification


# ---- R2: a customer mail counts for closing once the server accepted it -------------------------


@pytest.mark.req("R2")
def test_a_customer_mail_not_yet_sent_does_not_let_the_ticket_close_once_sent_it_does(
    api, support_user, smtp_server
):
    ticket = ticket_in_state(State.REJECTED, support_user)
    response = api.post(emails_url(ticket), {**MAIL, "kind": "rejection_explained"}, format="json")
    assert response.status_code == 201  # the mail server is down: nothing fails
    assert response.json()["state"] == "queued"
    notification = CustomerNotification.objects.get(ticket=ticket, channel=Channel.EMAIL)
    assert notification.kind == NotificationKind.REJECTION_EXPLAINED

    refused = api.post(f"/api/v1/tickets/{ticket.pk}/transitions/close/", {}, format="json")
    assert refused.status_code == 409
    assert "wartet noch im Postausgang" in refused.json()["detail"]
    assert Ticket.objects.get(pk=ticket.pk).state == State.REJECTED
    assert "close" in api.get(f"/api/v1/tickets/{ticket.pk}/").json()["available_transitions"]

    smtp_server.start()
    assert outbox.deliver_due(now=later()) == {"sent": 1}
    closed = api.post(f"/api/v1/tickets/{ticket.pk}/transitions/close/", {}, format="json")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    [message] = smtp_server.received
    assert message["Subject"] == f"[{ticket.number}] {MAIL['subject']}"


@pytest.mark.req("R2")
def test_a_failed_customer_mail_never_counts_and_the_close_guard_says_why(
    support_user, smtp_server, settings
):
    settings.SUPPORTDESK_OUTBOX_ATTEMPTS = 1
    ticket = ticket_in_state(State.REJECTED, support_user)
    email = outbox_mail(ticket, support_user, kind="rejection_explained")
    outbox.deliver_due()
    assert OutgoingEmail.objects.get(pk=email.pk).state == "failed"
    with pytest.raises(Conflict, match="konnte nicht zugestellt werden"):
        run(ticket, "close", support_user)
    # Told by phone instead: that notification counts.
    from tests.factories import notify

    notify(ticket, NotificationKind.REJECTION_EXPLAINED, support_user)
    assert run(ticket, "close", support_user).state == State.CLOSED


def outbox_mail(ticket, by, **data):
    from tickets import services

    return services.ticket_email_customer(ticket_id=ticket.pk, by=by, data={**MAIL, **data})


# ---- the API: roles, order of errors, validation, the list -----------------------------------------


@pytest.mark.req("R8")
@pytest.mark.parametrize(
    ("role", "status"),
    [
        (roles.SUPPORT, 201),
        (roles.MANAGEMENT, 201),
        (roles.ADMIN, 201),
        (roles.QMB, 403),
        (roles.PROCESS_MANAGER, 403),
    ],
)
def test_those_who_work_tickets_send_mails_the_others_read_them(users, role, status):
    ticket = create_ticket(users[roles.SUPPORT])
    client = client_for(users[role])
    assert client.post(emails_url(ticket), MAIL, format="json").status_code == status
    listed = client.get(emails_url(ticket))
    assert listed.status_code == 200 and listed.json()["count"] == (1 if status == 201 else 0)
    assert OutgoingEmail.objects.filter(ticket=ticket).count() == (1 if status == 201 else 0)


@pytest.mark.req("R14")
def test_errors_come_in_the_order_404_403_400_as_json(users):
    ticket = create_ticket(users[roles.SUPPORT])
    qmb, support = client_for(users[roles.QMB]), client_for(users[roles.SUPPORT])
    assert qmb.post("/api/v1/tickets/999999/emails/", {}, format="json").status_code == 404
    assert qmb.post(emails_url(ticket), {}, format="json").status_code == 403
    bad = support.post(emails_url(ticket), {**MAIL, "to": "kein-mail", "kind": "x"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"to", "kind"}
    assert support.post(emails_url(ticket), {**MAIL, "subject": "a\nb"}, format="json").json().keys() == {
        "subject"
    }
    assert client_for(None).get(emails_url(ticket)).status_code == 401
    assert not OutgoingEmail.objects.exists()


def test_the_list_is_paginated_newest_first(api, support_user):
    ticket = create_ticket(support_user)
    for n in range(3):
        api.post(emails_url(ticket), {**MAIL, "subject": f"Mail {n}"}, format="json")
    body = api.get(emails_url(ticket), {"page_size": 2}).json()
    assert body["count"] == 3 and body["next"] and len(body["results"]) == 2
    assert [row["subject"] for row in body["results"]] == [
        f"[{ticket.number}] Mail 2",
        f"[{ticket.number}] Mail 1",
    ]
    row = body["results"][0]
    assert (
        row["to"] == [MAIL["to"]]
        and row["body"] == MAIL["body"].strip()
        and row["created_by"] == support_user.username
    )


def test_the_schema_describes_the_email_and_outbox_endpoints(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    emails = schema["paths"]["/api/v1/tickets/{id}/emails/"]
    body = emails["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][body]["required"]) == {"to", "subject", "body"}
    assert {"201", "400", "403", "404"} <= set(emails["post"]["responses"])
    listed = emails["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert listed.rsplit("/", 1)[1].startswith("Paginated")
    states = schema["paths"]["/api/v1/outbox/"]["get"]["parameters"]
    assert any(
        p["name"] == "state" and p["schema"].get("enum") == ["failed", "queued", "sent"] for p in states
    )


# ---- the ticket page with its e-mails: a fixed number of queries ----------------------------------


def test_the_ticket_page_runs_as_many_queries_with_five_mails_as_with_one(
    web, api, support_user, django_assert_max_num_queries
):
    ticket = create_ticket(support_user)
    api.post(emails_url(ticket), MAIL, format="json")
    with CaptureQueriesContext(connection) as few:
        web.get(f"/tickets/{ticket.pk}/")
    one = len(few)  # now: each request empties the query log
    for _ in range(4):
        api.post(emails_url(ticket), {**MAIL, "kind": "other"}, format="json")
    with django_assert_max_num_queries(one):
        assert web.get(f"/tickets/{ticket.pk}/").status_code == 200
