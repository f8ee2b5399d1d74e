"""Attachments on the ticket page (R16, DESIGN §8, §9 "Files"): the panel, upload and withdraw from the
page, the timeline and the per-ticket audit PDF, with a fixed number of queries."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from attachments import services
from attachments.models import Attachment
from tests.conftest import web_client
from tests.factories import create_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def page(ticket):
    return reverse("ticket-detail", args=[ticket.pk])


def attach(ticket, by, content=b"Fehlerprotokoll\n", name="protokoll.log") -> Attachment:
    return services.attachment_upload(
        ticket_id=ticket.pk, by=by, data={}, files={"file": SimpleUploadedFile(name, content)}
    )


@pytest.mark.req("R16")
def test_an_upload_from_the_page_is_listed_and_in_the_timeline(support_user):
    ticket = create_ticket(support_user)
    web = web_client(support_user)
    content = b"2026-12-02 10:14 FEHLER 4711 Rezeptdruck\n"
    response = web.post(
        reverse("attachment-upload", args=[ticket.pk]),
        {"file": SimpleUploadedFile("sanivision.log", content), "note": "Log vom Kassenplatz"},
        follow=True,
    )
    assert response.redirect_chain == [(page(ticket) + "#attachments", 302)]
    html = response.content.decode()
    assert "„sanivision.log“ wurde angehängt." in html
    sha = hashlib.sha256(content).hexdigest()
    panel = html[html.index('id="attachments"') :]
    assert "sanivision.log" in panel and f'title="{sha}"' in panel and "Log vom Kassenplatz" in panel

    entries = [item["entry"] for item in response.context["timeline"] if item["kind"] == "history"]
    mine = [e for e in entries if e.key == "attachments.Attachment"]
    assert len(mine) == 1
    assert mine[0].reason == "Anhang hinzugefügt"
    assert ("SHA-256", "—", sha) in mine[0].changes
    assert ("Dateiname", "—", "sanivision.log") in mine[0].changes
    assert sha in html[html.index('id="timeline-heading"') :]


def test_a_refused_upload_from_the_page_says_why(support_user, settings):
    settings.SUPPORTDESK_MAX_UPLOAD_MB = 1
    ticket = create_ticket(support_user)
    web = web_client(support_user)
    url = reverse("attachment-upload", args=[ticket.pk])

    too_big = web.post(url, {"file": SimpleUploadedFile("gross.bin", b"x" * (1024 * 1024 + 1))}, follow=True)
    assert "Nicht gespeichert: Die Datei ist größer als 1 MB." in too_big.content.decode()
    empty = web.post(url, {"file": SimpleUploadedFile("leer.txt", b"")}, follow=True)
    assert "Nicht gespeichert: Die Datei ist leer." in empty.content.decode()
    assert not Attachment.objects.exists()


def test_the_upload_checks_the_csrf_token(support_user):
    ticket = create_ticket(support_user)
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(support_user)
    response = client.post(
        reverse("attachment-upload", args=[ticket.pk]), {"file": SimpleUploadedFile("a.txt", b"a")}
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_reading_roles_see_the_files_but_no_upload_or_withdraw_form(support_user, qmb_user):
    ticket = create_ticket(support_user)
    attachment = attach(ticket, support_user)
    html = web_client(qmb_user).get(page(ticket)).content.decode()
    assert "protokoll.log" in html
    assert reverse("attachment-upload", args=[ticket.pk]) not in html
    assert reverse("attachment-withdraw", args=[attachment.pk]) not in html
    qmb = web_client(qmb_user)
    assert (
        qmb.post(
            reverse("attachment-upload", args=[ticket.pk]), {"file": SimpleUploadedFile("a.txt", b"a")}
        ).status_code
        == 403
    )
    assert qmb.post(reverse("attachment-withdraw", args=[attachment.pk]), {"reason": "x"}).status_code == 403
    assert qmb.get(reverse("attachment-download", args=[attachment.pk])).status_code == 200


@pytest.mark.req("R16")
def test_a_withdrawal_from_the_page_greys_the_file_out_and_keeps_it(support_user):
    ticket = create_ticket(support_user)
    attachment = attach(ticket, support_user, name="falsch.png")
    web = web_client(support_user)
    url = reverse("attachment-withdraw", args=[attachment.pk])

    refused = web.post(url, {"reason": "  "}, follow=True).content.decode()
    assert "Nicht gespeichert:" in refused
    response = web.post(url, {"reason": "Bild vom falschen Kunden"}, follow=True)
    html = response.content.decode()
    assert "„falsch.png“ wurde zurückgezogen; die Datei bleibt erhalten." in html
    assert response.context["attachments"]["shown"] == []
    withdrawn = html[html.index('class="withdrawn-attachments"') :]
    assert "1 zurückgezogenen Anhang anzeigen" in withdrawn and "Bild vom falschen Kunden" in withdrawn
    again = web.post(url, {"reason": "nochmal"}, follow=True).content.decode()
    assert "bereits zurückgezogen" in again
    reasons = [i["entry"].reason for i in response.context["timeline"] if i["kind"] == "history"]
    assert "Anhang zurückgezogen" in reasons


def test_the_ticket_page_runs_as_many_queries_with_30_attachments_as_with_2(
    support_user, django_assert_max_num_queries
):
    ticket = create_ticket(support_user)
    web = web_client(support_user)
    for i in range(2):
        attach(ticket, support_user, f"Datei {i}\n".encode(), name=f"datei-{i}.log")
    with CaptureQueriesContext(connection) as few:
        assert web.get(page(ticket)).status_code == 200
    for i in range(2, 30):
        attachment = attach(ticket, support_user, f"Datei {i}\n".encode(), name=f"datei-{i}.log")
        if i % 3 == 0:
            services.attachment_withdraw(
                attachment_id=attachment.pk, by=support_user, data={"reason": "doppelt"}
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = web.get(page(ticket))
    assert (
        len(response.context["attachments"]["shown"]) + len(response.context["attachments"]["withdrawn"])
        == 30
    )


def test_the_api_list_runs_a_fixed_number_of_queries(support_user, django_assert_max_num_queries):
    from tests.conftest import client_for

    ticket = create_ticket(support_user)
    api = client_for(support_user)
    url = f"/api/v1/tickets/{ticket.pk}/attachments/"
    attach(ticket, support_user)
    with CaptureQueriesContext(connection) as few:
        assert api.get(url).status_code == 200
    for i in range(20):
        attach(ticket, support_user, name=f"d{i}.log")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(url).json()["results"]) == 21


@pytest.mark.req("R16")
def test_the_audit_report_lists_each_file_with_its_sha256(support_user, management_user):
    ticket = create_ticket(support_user)
    content = b"Screenshot-Bytes"
    attachment = attach(ticket, support_user, content, name="fehler.png")
    services.attachment_withdraw(attachment_id=attachment.pk, by=support_user, data={"reason": "unscharf"})

    response = web_client(management_user).get(reverse("ticket-audit-report", args=[ticket.pk]))
    assert response.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    flat = "".join(text.split())
    assert "fehler.png" in text
    assert hashlib.sha256(content).hexdigest() in flat
    assert "unscharf" in text


def test_the_admin_shows_attachments_read_only_and_deletes_none(support_user, admin_user):
    attachment = attach(create_ticket(support_user), support_user)
    admin = web_client(admin_user)
    assert "protokoll.log" in admin.get("/admin/attachments/attachment/").content.decode()
    assert admin.get(f"/admin/attachments/attachment/{attachment.pk}/change/").status_code == 200
    assert (
        admin.post(f"/admin/attachments/attachment/{attachment.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_the_audit_trail_page_shows_the_upload(support_user, qmb_user):
    ticket = create_ticket(support_user)
    attach(ticket, support_user, b"Beleg", name="beleg.pdf")
    html = web_client(qmb_user).get(reverse("audit-trail"), {"ticket": ticket.number}).content.decode()
    assert "Anhang hinzugefügt" in html
    assert "beleg.pdf" in html
    assert hashlib.sha256(b"Beleg").hexdigest() in html
