"""Attachments as evidence (R16, DESIGN §7, §9 "Files"): upload, download and withdraw through the API
per role, the size limit and empty files, the SHA-256 of the bytes, type from the content, sanitised
names, never served inline, and verify_audit_trail re-reading every stored file."""

import hashlib
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from accounts import roles
from attachments import services
from attachments.models import Attachment, ContentReplaced
from supportdesk.errors import Conflict, InvalidData
from tests.conftest import client_for, web_client
from tests.factories import UserFactory, create_ticket, user_with_role
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db

API = "/api/v1"
PNG_HEAD = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def png_bytes(size=(40, 30), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def upload(client, ticket, content=b"Fehlerprotokoll SaniVision\n", name="protokoll.log", **data):
    return client.post(
        f"{API}/tickets/{ticket.pk}/attachments/",
        {"file": SimpleUploadedFile(name, content), **data},
        format="multipart",
    )


def user_in_group(name):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def attach(ticket, by, content=b"Fehlerprotokoll\n", name="protokoll.log", **data) -> Attachment:
    return services.attachment_upload(
        ticket_id=ticket.pk, by=by, data=data, files={"file": SimpleUploadedFile(name, content)}
    )


@pytest.mark.req("R16")
def test_it_keeps_the_file_with_its_sha256_size_and_type_read_from_the_content(support_user, media):
    ticket = create_ticket(support_user)
    content = png_bytes()
    response = upload(client_for(support_user), ticket, content, name="Fehlermeldung.txt", note="Kasse 2")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {
        "id",
        "filename",
        "size",
        "content_type",
        "sha256",
        "created_by",
        "created_at",
        "withdrawn",
    }
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size"] == len(content)
    assert body["content_type"] == "image/png"  # the bytes say PNG, whatever the name says
    assert body["filename"] == "Fehlermeldung.txt"
    assert body["created_by"] == support_user.username
    assert body["withdrawn"] is False

    attachment = Attachment.objects.get(pk=body["id"])
    stored = Path(attachment.file.path)
    assert stored.read_bytes() == content
    assert stored.is_relative_to(media)
    assert "Fehlermeldung" not in attachment.file.name  # the stored name is random, not the user's
    history = attachment.history.get()
    assert (history.history_user, history.history_change_reason) == (support_user, "attachment_upload")
    assert history.sha256 == body["sha256"]  # the fingerprint is part of the audited record


@pytest.mark.req("R8")
@pytest.mark.parametrize(
    ("who", "upload_status", "read_status"),
    [
        (roles.SUPPORT, 201, 200),
        (roles.MANAGEMENT, 201, 200),
        (roles.ADMIN, 201, 200),
        (roles.QMB, 403, 200),
        ("process_manager", 403, 200),
        (roles.TELEPHONY, 403, 403),
        (None, 401, 401),
    ],
)
def test_each_role_uploads_reads_and_withdraws_as_design_5_says(
    support_user, who, upload_status, read_status
):
    ticket = create_ticket(support_user)
    existing = attach(ticket, support_user, b"Logdatei\n")
    if who is None:
        client = client_for(None)
    elif who == roles.ADMIN:
        client = client_for(user_with_role(roles.ADMIN))
    else:
        client = client_for(user_in_group(who))

    assert upload(client, ticket).status_code == upload_status
    assert client.get(f"{API}/tickets/{ticket.pk}/attachments/").status_code == read_status
    download = client.get(f"{API}/attachments/{existing.pk}/download/")
    assert download.status_code == read_status
    if read_status == 200:
        assert b"".join(download.streaming_content) == b"Logdatei\n"
    withdrawn = client.post(
        f"{API}/attachments/{existing.pk}/withdraw/", {"reason": "falsche Datei"}, format="json"
    )
    assert withdrawn.status_code == (200 if upload_status == 201 else upload_status)


def test_the_refusals_come_in_the_order_404_403_409_400(support_user, qmb_user):
    ticket = create_ticket(support_user)
    attachment = attach(ticket, support_user)
    qmb, support = client_for(qmb_user), client_for(support_user)

    assert upload(qmb, type(ticket)(pk=10**9)).status_code == 404
    assert qmb.post(f"{API}/attachments/{10**9}/withdraw/", {}, format="json").status_code == 404
    assert qmb.post(f"{API}/attachments/{attachment.pk}/withdraw/", {}, format="json").status_code == 403
    assert support.post(f"{API}/attachments/{attachment.pk}/withdraw/", {}, format="json").status_code == 400
    assert support.post(
        f"{API}/attachments/{attachment.pk}/withdraw/", {"reason": "doppelt"}, format="json"
    ).json()["withdrawn"]
    again = support.post(f"{API}/attachments/{attachment.pk}/withdraw/", {}, format="json")
    assert again.status_code == 409
    assert "bereits zurückgezogen" in again.json()["detail"]


@pytest.mark.req("R16")
def test_a_file_over_the_limit_or_empty_is_refused_with_a_german_field_error(support_user, settings):
    settings.SUPPORTDESK_MAX_UPLOAD_MB = 1
    ticket = create_ticket(support_user)
    api = client_for(support_user)

    too_big = upload(api, ticket, b"x" * (1024 * 1024 + 1), name="gross.log")
    assert too_big.status_code == 400
    assert too_big.json() == {"file": ["Die Datei ist größer als 1 MB."]}
    empty = upload(api, ticket, b"", name="leer.txt")
    assert empty.status_code == 400
    assert empty.json() == {"file": ["Die Datei ist leer."]}
    missing = api.post(f"{API}/tickets/{ticket.pk}/attachments/", {"note": "ohne Datei"}, format="json")
    assert missing.status_code == 400
    assert list(missing.json()) == ["file"]
    assert upload(api, ticket, b"x" * (1024 * 1024), name="genau.log").status_code == 201
    assert Attachment.objects.count() == 1


def test_a_file_of_20_mb_passes_by_default(support_user):
    ticket = create_ticket(support_user)
    content = b"\x00\x01" * (10 * 1024 * 1024)  # 20 MB
    response = upload(client_for(support_user), ticket, content, name="sicherung.bin")
    assert response.status_code == 201, response.content[:300]
    assert response.json()["sha256"] == hashlib.sha256(content).hexdigest()


@pytest.mark.req("R16")
@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "bild.svg"),
        (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "seite.html"),
    ],
)
def test_svg_and_html_are_only_ever_served_as_a_download(support_user, content, name):
    ticket = create_ticket(support_user)
    body = upload(client_for(support_user), ticket, content, name=name).json()
    assert body["content_type"] in {"image/svg+xml", "text/html"}

    for client, url in (
        (client_for(support_user), f"{API}/attachments/{body['id']}/download/"),
        (web_client(support_user), f"/attachments/{body['id']}/download/"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert f"filename*=UTF-8''{name}" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/octet-stream"
        assert "sandbox" in response["Content-Security-Policy"]
    assert web_client(support_user).get(f"/attachments/{body['id']}/thumbnail.png").status_code == 404


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("Fehler\x00\x07\x1b[31m.png", "Fehler[31m.png"),
        ("rechnung\u202egnp.exe", "rechnunggnp.exe"),  # no right-to-left override
        ('a<b>:"c"|?*.txt', "a_b___c____.txt"),
        ("...", "datei"),
        ("Übersicht März.pdf", "Übersicht März.pdf"),
    ],
)
def test_the_filename_is_sanitised(support_user, given, kept):
    ticket = create_ticket(support_user)
    attachment = attach(ticket, support_user, name=given)
    assert attachment.filename == kept
    disposition = client_for(support_user).get(f"{API}/attachments/{attachment.pk}/download/")[
        "Content-Disposition"
    ]
    assert "\n" not in disposition and "\x00" not in disposition


def test_a_call_note_or_vendor_contact_must_belong_to_the_same_ticket(support_user):
    ticket, other = create_ticket(support_user), create_ticket(support_user)
    note = ticket_services.ticket_add_call_note(
        ticket_id=ticket.pk, by=support_user, data={"direction": "inbound", "text": "Kunde schickt Foto."}
    )
    api = client_for(support_user)
    assert upload(api, ticket, call_note=note.pk).json()["call_note"] == note.pk
    refused = upload(api, other, call_note=note.pk)
    assert refused.status_code == 400
    assert refused.json() == {"call_note": ["Diese Gesprächsnotiz gehört nicht zu diesem Vorgang."]}
    assert upload(api, ticket, vendor_contact=10**9).json() == {
        "vendor_contact": ["Dieser Kontakt bei SIC gehört nicht zu diesem Vorgang."]
    }


@pytest.mark.req("R16")
def test_a_withdrawn_attachment_is_hidden_from_the_list_and_kept(support_user):
    ticket = create_ticket(support_user)
    wrong, right = attach(ticket, support_user, b"falsch\n"), attach(ticket, support_user, b"richtig\n")
    api = client_for(support_user)
    response = api.post(
        f"{API}/attachments/{wrong.pk}/withdraw/", {"reason": "falscher Kunde"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["withdrawn_reason"] == "falscher Kunde"

    listed = api.get(f"{API}/tickets/{ticket.pk}/attachments/").json()
    assert [a["id"] for a in listed["results"]] == [right.pk]
    everything = api.get(f"{API}/tickets/{ticket.pk}/attachments/", {"include_withdrawn": "true"}).json()
    assert [a["id"] for a in everything["results"]] == [wrong.pk, right.pk]
    assert list(
        api.get(f"{API}/tickets/{ticket.pk}/attachments/", {"include_withdrawn": "vielleicht"}).json()
    ) == ["include_withdrawn"]
    assert b"".join(api.get(f"{API}/attachments/{wrong.pk}/download/").streaming_content) == b"falsch\n"
    wrong.refresh_from_db()
    assert Path(wrong.file.path).read_bytes() == b"falsch\n"
    assert [row.history_change_reason for row in wrong.history.order_by("history_id")] == [
        "attachment_upload",
        "attachment_withdraw",
    ]
    assert api.delete(f"{API}/attachments/{wrong.pk}/withdraw/").status_code == 405


@pytest.mark.req("R16")
def test_the_content_is_never_replaced(support_user):
    attachment = attach(create_ticket(support_user), support_user, b"Original\n")
    attachment.sha256 = hashlib.sha256(b"anders").hexdigest()
    with pytest.raises(ContentReplaced):
        attachment.save()
    attachment.refresh_from_db()
    attachment.file.save("anders.txt", ContentFile(b"anders"), save=False)
    with pytest.raises(ContentReplaced):
        attachment.save()
    with pytest.raises(Exception, match="nie gelöscht"):
        Attachment.objects.get(pk=attachment.pk).delete()


def test_a_withdrawal_needs_a_reason_of_at_most_500_characters(support_user):
    attachment = attach(create_ticket(support_user), support_user)
    for reason in ("", "   ", "x" * 501):
        with pytest.raises(InvalidData):
            services.attachment_withdraw(
                attachment_id=attachment.pk, by=support_user, data={"reason": reason}
            )
    services.attachment_withdraw(attachment_id=attachment.pk, by=support_user, data={"reason": "x" * 500})
    with pytest.raises(Conflict):
        services.attachment_withdraw(attachment_id=attachment.pk, by=support_user, data={"reason": "nochmal"})


# ---- verify_audit_trail re-reads every stored file (R16) ------------------------------------------


def verify() -> str:
    out = io.StringIO()
    call_command("verify_audit_trail", stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.req("R16")
def test_verify_audit_trail_names_a_file_changed_on_disk(support_user):
    ticket = create_ticket(support_user)
    attach(ticket, support_user, b"unveraendert\n", name="gut.log")
    changed = attach(ticket, support_user, b"Betrag: 100 EUR\n", name="beleg.txt")
    assert "every stored file matches its SHA-256" in verify()

    Path(changed.file.path).write_bytes(b"Betrag: 900 EUR\n")
    with pytest.raises(CommandError) as broken:
        verify()
    assert broken.value.returncode == 1
    message = str(broken.value)
    assert f"Anhang {changed.pk} „beleg.txt“ (Vorgang {ticket.number}" in message
    assert "stimmt nicht mehr mit dem SHA-256 überein" in message
    assert "gut.log" not in message


@pytest.mark.req("R16")
def test_verify_audit_trail_names_a_missing_file(support_user):
    ticket = create_ticket(support_user)
    gone = attach(ticket, support_user, b"weg\n", name="screenshot.png")
    Path(gone.file.path).unlink()
    with pytest.raises(CommandError) as broken:
        verify()
    assert broken.value.returncode == 1
    assert f"Anhang {gone.pk} „screenshot.png“" in str(broken.value)
    assert "die Datei fehlt" in str(broken.value)


def test_the_thumbnail_is_a_new_small_png_never_the_uploaded_bytes(support_user):
    ticket = create_ticket(support_user)
    out = io.BytesIO()
    Image.new("RGB", (1600, 900), (10, 120, 200)).save(out, format="JPEG", comment=b"<script>x</script>")
    attachment = attach(ticket, support_user, out.getvalue(), name="foto.jpg")
    assert attachment.content_type == "image/jpeg"

    response = web_client(support_user).get(f"/attachments/{attachment.pk}/thumbnail.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(PNG_HEAD)
    assert b"<script>" not in response.content
    with Image.open(io.BytesIO(response.content)) as thumb:
        assert max(thumb.size) <= 320


def test_a_file_past_the_limit_is_counted_but_not_written_to_disk(settings):
    from django.test import RequestFactory

    from attachments.uploads import limit_uploads

    settings.SUPPORTDESK_MAX_UPLOAD_MB = 1
    request = RequestFactory().post("/", {"file": SimpleUploadedFile("gross.bin", b"x" * (3 * 1024 * 1024))})
    limit_uploads(request)
    received = request.FILES["file"]
    assert received.size == 3 * 1024 * 1024  # the form refuses it by its real size
    assert Path(received.temporary_file_path()).stat().st_size <= 1024 * 1024


@pytest.mark.req("R16")
def test_verify_since_checks_the_files_uploaded_since_that_day(support_user):
    import datetime

    from django.utils import timezone

    ticket = create_ticket(support_user)
    old = attach(ticket, support_user, b"alt\n", name="alt.log")
    Path(old.file.path).write_bytes(b"veraendert\n")
    today = timezone.localdate()
    with pytest.raises(CommandError, match=r"alt\.log"):
        call_command("verify_audit_trail", "--since", today.isoformat(), stdout=io.StringIO())
    tomorrow = today + datetime.timedelta(days=1)
    call_command("verify_audit_trail", "--since", tomorrow.isoformat(), stdout=io.StringIO())


def test_a_file_can_be_tied_to_the_email_it_came_with(support_user):
    from django.contrib.contenttypes.models import ContentType

    ticket = create_ticket(support_user)
    mail = ticket_services.ticket_add_call_note(  # any saved object stands in for the mail here
        ticket_id=ticket.pk, by=support_user, data={"direction": "inbound", "text": "Mail"}
    )
    attachment = services.attachment_upload(
        ticket_id=ticket.pk,
        by=support_user,
        data={},
        files={"file": ContentFile(b"From: kunde@example.test\r\n\r\nHallo", name="nachricht.eml")},
        email=mail,
    )
    assert (attachment.email_type, attachment.email_id) == (ContentType.objects.get_for_model(mail), mail.pk)
    assert attachment.filename == "nachricht.eml"


def test_s3_is_used_when_a_bucket_is_configured():
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings as django_settings

    env = {
        **os.environ,
        "SUPPORTDESK_S3_BUCKET": "mcs-evidence",
        "SUPPORTDESK_S3_ENDPOINT_URL": "https://minio.intern:9000",
        "SUPPORTDESK_S3_ACCESS_KEY_ID": "key",
        "SUPPORTDESK_S3_SECRET_ACCESS_KEY": "secret",
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings",
    }
    probe = (
        "import django, json; django.setup(); from django.core.files.storage import storages; "
        "s = storages['default']; "
        "print(json.dumps([type(s).__name__, s.bucket_name, s.endpoint_url, s.file_overwrite]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=django_settings.BASE_DIR, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [
        "S3Storage",
        "mcs-evidence",
        "https://minio.intern:9000",
        False,
    ]
