"""E-mail to the customer from the ticket page: drafted per kind, edited, sent, recorded (R2)."""

import smtplib

import pytest
from django.urls import reverse

from accounts import roles
from supportdesk.errors import InvalidData
from tests.conftest import web_client
from tests.factories import ContactFactory, CustomerFactory, create_ticket, run, ticket_in_state
from tickets import services
from tickets.models import Channel, CustomerNotification, NotificationKind, State


def email_url(ticket):
    return reverse("ticket-email", args=[ticket.pk])


def send(ticket, by, **data):
    body = {
        "kind": "solution",
        "to": "info@sanitaetshaus.test",
        "subject": f"Ihr Support-Vorgang {ticket.number}",
        "body": "Guten Tag,\n\ndie Lösung: Druckertreiber neu zuweisen.\n",
        **data,
    }
    return services.ticket_email_customer(ticket_id=ticket.pk, by=by, data=body)


@pytest.mark.parametrize("kind", NotificationKind.values)
def test_every_kind_has_a_german_draft_addressed_to_the_contact(web, support_user, kind):
    customer = CustomerFactory(email="info@rheinblick.test")
    contact = ContactFactory(customer=customer, name="Sabine Hoffmann", email="s.hoffmann@rheinblick.test")
    ticket = create_ticket(
        support_user, customer=customer, contact=contact.pk, summary="Druck & Export <leer>"
    )

    response = web.get(email_url(ticket), {"kind": kind})

    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["kind"] == kind and initial["to"] == "s.hoffmann@rheinblick.test"
    assert ticket.number in initial["subject"]
    assert initial["body"].startswith("Guten Tag Sabine Hoffmann,")
    assert ticket.number in initial["body"] and "Mit freundlichen Grüßen" in initial["body"]
    assert "Druck & Export <leer>" in initial["body"] and "{%" not in initial["body"]  # plain text, unescaped


def test_the_draft_uses_the_ticket_facts_and_the_customer_address_without_a_contact(web, support_user):
    customer = CustomerFactory(email="info@rheinblick.test", name="Rheinblick & Söhne")
    ticket = ticket_in_state(State.IMMEDIATE_FIX, support_user, customer=customer)
    initial = web.get(email_url(ticket)).context["form"].initial  # the kind that fits the state
    assert initial["kind"] == NotificationKind.SOLUTION
    assert initial["to"] == "info@rheinblick.test"
    assert initial["body"].startswith("Sehr geehrte Damen und Herren,")
    assert ticket.solution in initial["body"]

    rejected = ticket_in_state(State.REJECTED, support_user)
    initial = web.get(email_url(rejected)).context["form"].initial
    assert initial["kind"] == NotificationKind.REJECTION_EXPLAINED
    assert rejected.program_request.justification in initial["body"]


def test_an_unknown_kind_falls_back_to_other_with_a_warning(web, support_user):
    ticket = create_ticket(support_user)
    response = web.get(email_url(ticket), {"kind": "spam"})
    assert response.status_code == 200
    assert response.context["form"].initial["kind"] == NotificationKind.OTHER
    assert "Unbekannter Inhalt" in response.content.decode()


@pytest.mark.req("R2")
@pytest.mark.usefixtures("outbox_sends_at_once")
def test_the_edited_mail_is_sent_and_recorded_so_the_ticket_may_close(web, support_user, mailoutbox):
    ticket = ticket_in_state(State.REJECTED, support_user)
    response = web.post(
        email_url(ticket),
        {
            "kind": "rejection_explained",
            "to": "einkauf@kunde.test",
            "subject": "Ihr Programmwunsch",
            "body": "Guten Tag,\nSIC hat abgelehnt, weil ...\nGrüße",
        },
    )
    assert response.status_code == 302 and response.url == f"/tickets/{ticket.pk}/"
    [mail] = mailoutbox
    assert (mail.to, mail.subject, mail.body) == (
        ["einkauf@kunde.test"],
        f"[{ticket.number}] Ihr Programmwunsch",  # the ticket number, so a reply finds the ticket
        "Guten Tag,\nSIC hat abgelehnt, weil ...\nGrüße",
    )
    notification = CustomerNotification.objects.get(ticket=ticket, channel=Channel.EMAIL)
    assert (
        notification.kind == NotificationKind.REJECTION_EXPLAINED and notification.created_by == support_user
    )
    assert "einkauf@kunde.test" in notification.note and "SIC hat abgelehnt, weil" in notification.note
    row = notification.history.get()
    assert (row.history_change_reason, row.history_user) == ("customer_email", support_user)

    closed = run(ticket, "close", support_user)
    assert closed.state == State.CLOSED


@pytest.mark.req("R14")
@pytest.mark.parametrize(
    ("field", "value"),
    [("to", "kein-mail"), ("to", ""), ("subject", "zwei\nZeilen"), ("body", ""), ("kind", "x")],
)
def test_bad_input_is_shown_again_and_nothing_is_sent(web, support_user, mailoutbox, field, value):
    ticket = create_ticket(support_user)
    data = {"kind": "other", "to": "a@b.test", "subject": "Betreff", "body": "Text", field: value}
    response = web.post(email_url(ticket), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert mailoutbox == [] and not CustomerNotification.objects.filter(channel=Channel.EMAIL).exists()
    with pytest.raises(InvalidData):
        send(ticket, support_user, **{field: value})


@pytest.mark.req("R14")
@pytest.mark.req("R17")
@pytest.mark.usefixtures("outbox_sends_at_once")
def test_a_mail_server_refusal_loses_nothing_and_says_so(web, support_user, monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({"info@sanitaetshaus.test": (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    ticket = create_ticket(support_user)
    response = web.post(
        email_url(ticket),
        {"kind": "other", "to": "info@sanitaetshaus.test", "subject": "S", "body": "Mein Text"},
        follow=True,
    )
    assert response.status_code == 200  # committed: the mail and its record are kept (R14)
    html = response.content.decode()
    assert "Der Mailserver hat die E-Mail abgelehnt" in html and "550 no such user" in html
    notification = CustomerNotification.objects.get(channel=Channel.EMAIL)
    [email] = notification.outgoing_emails.all()
    assert email.state == "failed" and email.body == "Mein Text"


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", [roles.QMB])
def test_the_qmb_sends_no_mail(users, role, mailoutbox):
    ticket = create_ticket(users[roles.SUPPORT])
    client = web_client(users[role])
    assert client.get(email_url(ticket)).status_code == 403
    assert (
        client.post(
            email_url(ticket), {"kind": "other", "to": "a@b.test", "subject": "S", "body": "T"}
        ).status_code
        == 403
    )
    assert mailoutbox == []
    assert email_url(ticket) not in client.get(f"/tickets/{ticket.pk}/").content.decode()


def test_the_ticket_page_offers_the_mail_to_those_who_work(web, support_user):
    ticket = create_ticket(support_user)
    html = web.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'action="{email_url(ticket)}"' in html and 'value="rejection_explained"' in html
