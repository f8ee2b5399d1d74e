"""/mail/ (DESIGN §8): the mails no ticket could be matched to, assigned by hand; roles; query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from attachments.models import Attachment
from mailin import services
from mailin.models import IncomingEmail
from tests import mails
from tests.conftest import web_client
from tests.factories import CustomerFactory, create_ticket, user_with_role
from tickets.models import State, Ticket

Route = IncomingEmail.Route


@pytest.fixture
def mailbot(db):
    return user_with_role(roles.SUPPORT, username="posteingang")


def unmatched(mailbot, **kwargs) -> IncomingEmail:
    kwargs.setdefault("sender", "Fremde Person <fremd@elsewhere.test>")
    return services.mail_receive(raw=mails.mail(**kwargs), by=mailbot)


def test_the_page_shows_each_waiting_mail_with_its_text(web, mailbot, support_user):
    waiting = unmatched(mailbot, subject="Frage zur Abrechnung", text="Wie rechne ich <b>ab</b>?")
    broken = services.mail_receive(raw=b"Subject: kaputt\r\n\r\nohne Absender", by=mailbot)
    ticket = create_ticket(support_user)
    services.mail_receive(raw=mails.mail(subject=f"[{ticket.number}] zugeordnet"), by=mailbot)

    response = web.get(reverse("mail"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Frage zur Abrechnung" in html and "Wie rechne ich &lt;b&gt;ab&lt;/b&gt;?" in html
    assert "kaputt" in html and "Nicht lesbar" in html
    assert f"[{ticket.number}] zugeordnet" not in html
    assert html.count('class="incoming-mail"') == 2
    assert f'action="{reverse("mail-assign", args=[waiting.pk])}"' in html
    assert f'id="mail-{broken.pk}-subject"' in html
    assert "Zu Vorgang hinzufügen" in html and "Kunden suchen" in html
    assert 'href="/mail/"' in html and "Posteingang" in html  # the navigation link


@pytest.mark.req("R17")
def test_assign_to_a_ticket_by_its_number_keeps_the_mail_on_it(web, mailbot, support_user):
    mail = unmatched(mailbot, files=[("fehler.png", mails.PNG, "image/png")])
    ticket = create_ticket(support_user)

    response = web.post(reverse("mail-assign", args=[mail.pk]), {"ticket": f"[{ticket.number}]"})

    assert response.status_code == 302 and response.url == reverse("ticket-detail", args=[ticket.pk])
    mail.refresh_from_db()
    assert (mail.ticket, mail.assigned_by, mail.route) == (ticket, support_user, Route.UNMATCHED)
    assert mail.assigned_at is not None
    names = set(Attachment.objects.filter(ticket=ticket).values_list("filename", flat=True))
    assert names == {f"mail-{mail.pk}.eml", "fehler.png"}
    assert mail.history.first().history_change_reason == "mail_assigned"
    assert "fremd@elsewhere.test" not in web.get(reverse("mail")).content.decode()


def test_a_wrong_ticket_number_is_a_german_form_error(web, mailbot):
    mail = unmatched(mailbot)
    response = web.post(reverse("mail-assign", args=[mail.pk]), {"ticket": "2026-999999"})
    assert response.status_code == 400
    assert "Es gibt keinen Vorgang mit der Nummer 2026-999999." in response.content.decode()
    response = web.post(reverse("mail-assign", args=[mail.pk]), {"ticket": "irgendwas"})
    assert response.status_code == 400
    assert "Bitte eine Vorgangsnummer wie 2026-000123 angeben." in response.content.decode()
    mail.refresh_from_db()
    assert mail.ticket is None


def test_a_mail_already_assigned_is_not_assigned_twice(web, mailbot, support_user):
    mail = unmatched(mailbot)
    first, second = create_ticket(support_user), create_ticket(support_user)
    web.post(reverse("mail-assign", args=[mail.pk]), {"ticket": first.number})
    response = web.post(reverse("mail-assign", args=[mail.pk]), {"ticket": second.number})
    assert response.status_code == 409
    assert f"Diese E-Mail ist bereits dem Vorgang {first.number} zugeordnet." in response.content.decode()
    assert Attachment.objects.filter(ticket=second).count() == 0


def test_a_new_ticket_for_a_customer_found_by_the_customer_search(web, mailbot, support_user):
    customer = CustomerFactory(name="Sanitätshaus Kranich", city="Essen")
    mail = unmatched(mailbot, subject="Lieferschein fehlt", text="Der Lieferschein wird nicht gedruckt.")

    page = web.get(reverse("mail"), {"for": mail.pk, "q": "Kranich"})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'name="customer" value="{customer.pk}"' in html and "Neuen Vorgang anlegen" in html

    response = web.post(reverse("mail-new-ticket", args=[mail.pk]), {"customer": customer.pk})

    assert response.status_code == 302
    mail.refresh_from_db()
    ticket = mail.ticket
    assert (ticket.customer, ticket.channel, ticket.state) == (customer, "email", State.INTAKE)
    assert (ticket.summary, ticket.description) == (
        "Lieferschein fehlt",
        "Der Lieferschein wird nicht gedruckt.",
    )
    assert ticket.received_at == mail.date
    assert ticket.caller_name == "Fremde Person"
    assert mail.assigned_by == support_user
    assert Attachment.objects.get(ticket=ticket).filename == f"mail-{mail.pk}.eml"


def test_a_new_ticket_needs_a_customer(web, mailbot):
    mail = unmatched(mailbot)
    response = web.post(reverse("mail-new-ticket", args=[mail.pk]), {})
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_a_search_without_a_match_says_so(web, mailbot):
    mail = unmatched(mailbot)
    html = web.get(reverse("mail"), {"for": mail.pk, "q": "Niemand"}).content.decode()
    assert "Kein Kunde gefunden." in html


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (roles.SUPPORT, True),
        (roles.MANAGEMENT, True),
        (roles.ADMIN, True),
        (roles.QMB, False),
        (roles.PROCESS_MANAGER, False),
    ],
)
def test_roles(mailbot, support_user, role, allowed):
    mail = unmatched(mailbot)
    ticket = create_ticket(support_user)
    client = web_client(user_with_role(role))
    assert client.get(reverse("mail")).status_code == (200 if allowed else 403)
    response = client.post(reverse("mail-assign", args=[mail.pk]), {"ticket": ticket.number})
    assert response.status_code == (302 if allowed else 403)
    mail.refresh_from_db()
    assert (mail.ticket == ticket) is allowed
    nav = client.get(reverse("dashboard")).content.decode()
    assert ('href="/mail/"' in nav) is allowed


def test_signed_out_is_sent_to_the_login(client, db):
    response = client.get(reverse("mail"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_an_unknown_mail_is_404(web, db):
    assert web.post(reverse("mail-assign", args=[999]), {"ticket": "2026-000001"}).status_code == 404


def test_the_page_costs_a_fixed_number_of_queries(web, mailbot):
    customer = CustomerFactory(name="Sanitätshaus Kranich")
    first = unmatched(mailbot)
    web.get(reverse("mail"))  # warm up: session, user, translations

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert web.get(reverse("mail"), {"for": first.pk, "q": customer.name}).status_code == 200
        return len(captured)

    one = queries()
    for n in range(6):
        unmatched(mailbot, subject=f"Frage {n}")
    assert queries() == one


# ---- the ticket's timeline and its e-mails in the API ------------------------------------------


def test_a_mail_that_came_in_shows_in_the_ticket_timeline_with_its_text(web, mailbot, support_user):
    ticket = create_ticket(support_user)
    services.mail_receive(
        raw=mails.mail(
            sender="Petra Kundin <kunde@example.test>",
            subject=f"[{ticket.number}] Nachtrag",
            text="Es geht wieder.",
        ),
        by=mailbot,
    )
    html = web.get(reverse("ticket-detail", args=[ticket.pk])).content.decode()
    assert "E-Mail von Petra Kundin &lt;kunde@example.test&gt;" in html
    assert "Es geht wieder." in html


def test_the_ticket_page_costs_as_many_queries_with_five_incoming_mails_as_with_one(
    web, mailbot, support_user, django_assert_max_num_queries
):
    ticket = create_ticket(support_user)
    services.mail_receive(raw=mails.mail(subject=f"[{ticket.number}] 1"), by=mailbot)
    with CaptureQueriesContext(connection) as few:
        web.get(reverse("ticket-detail", args=[ticket.pk]))
    for n in range(4):
        services.mail_receive(raw=mails.mail(subject=f"[{ticket.number}] {n + 2}"), by=mailbot)
    with django_assert_max_num_queries(len(few)):
        assert web.get(reverse("ticket-detail", args=[ticket.pk])).status_code == 200


def test_the_api_lists_the_mails_in_and_out_newest_first(api, mailbot, support_user):
    ticket = create_ticket(support_user)
    api.post(
        f"/api/v1/tickets/{ticket.pk}/emails/",
        {"to": "kunde@example.test", "subject": "Rückfrage", "body": "Welche Version?"},
        format="json",
    )
    mail = services.mail_receive(
        raw=mails.mail(subject=f"AW: [{ticket.number}] Rückfrage", text="Version 12.3."), by=mailbot
    )
    body = api.get(f"/api/v1/tickets/{ticket.pk}/emails/").json()
    assert body["count"] == 2
    came_in, sent = body["results"]
    assert (came_in["direction"], came_in["id"], came_in["body"], came_in["route"]) == (
        "in",
        mail.pk,
        "Version 12.3.",
        "ticket_number",
    )
    assert came_in["from"] == "kunde@example.test" and came_in["message_id"] == mail.message_id
    assert sent["direction"] == "out" and sent["subject"] == f"[{ticket.number}] Rückfrage"
    assert set(came_in) == set(sent)
    page = api.get(f"/api/v1/tickets/{ticket.pk}/emails/", {"page_size": 1}).json()
    assert page["count"] == 2 and page["next"] and [r["direction"] for r in page["results"]] == ["in"]
