"""E-mail in (DESIGN §9 "E-mail in", R16, R17): `fetch_mail` reading a real maildir, the routing rules,
the raw message and its files kept as evidence, each Message-ID processed once."""

import datetime
import hashlib
import mailbox

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts import roles
from attachments.models import Attachment
from audit.registry import evidence_checks
from mailin import services
from mailin.models import IncomingEmail
from tests import mails
from tests.factories import ContactFactory, CustomerFactory, create_ticket, ticket_in_state, user_with_role
from tickets import services as ticket_services
from tickets.models import State, Ticket
from vendor.models import SIC_NAME, Vendor, VendorContact

Route = IncomingEmail.Route


@pytest.fixture
def mailbot(db):
    """The account fetch_mail acts as: a support account of its own."""
    return user_with_role(roles.SUPPORT, username="posteingang")


@pytest.fixture
def maildir(tmp_path, settings):
    path = tmp_path / "Maildir"
    mailbox.Maildir(str(path), create=True)
    settings.SUPPORTDESK_MAIL_SOURCE = f"maildir://{path}"
    settings.SUPPORTDESK_MAIL_USER = "posteingang"
    return path


@pytest.fixture
def contact(db):
    return ContactFactory(email="Kunde@Example.test", name="Petra Kundin")


def only_mail() -> IncomingEmail:
    (found,) = IncomingEmail.objects.all()
    return found


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- a mail from a known address opens a ticket -------------------------------------------------


@pytest.mark.req("R17")
def test_a_mail_from_a_known_contact_opens_a_ticket_and_is_marked_in_the_maildir(mailbot, maildir, contact):
    raw = mails.mail(sender="Petra Kundin <kunde@example.test>", date="Mon, 02 Mar 2026 09:15:00 +0100")
    mails.drop(maildir, raw)

    call_command("fetch_mail")

    mail = only_mail()
    ticket = mail.ticket
    assert mail.route == Route.NEW_TICKET
    assert (ticket.customer, ticket.contact) == (contact.customer, contact)
    assert ticket.state == State.INTAKE and ticket.channel == "email"
    assert ticket.assignee is None  # waits on the dashboard for whoever takes it, not for the fetcher
    assert ticket.summary == "Rezeptdruck bricht ab"
    assert "Fehler 4711" in ticket.description
    assert ticket.received_at == datetime.datetime(2026, 3, 2, 8, 15, tzinfo=datetime.UTC)
    assert ticket.caller_name == "Petra Kundin"
    assert ticket.history.first().history_user == mailbot
    # processed on the server: moved from new/ to cur/ with the Seen flag
    assert not list((maildir / "new").iterdir())
    (kept,) = (maildir / "cur").iterdir()
    assert kept.name.endswith(":2,S")


@pytest.mark.req("R16")
def test_the_raw_message_is_kept_with_its_sha256_as_an_attachment_of_the_ticket(mailbot, maildir, contact):
    raw = mails.mail()
    mails.drop(maildir, raw)
    call_command("fetch_mail")

    mail = only_mail()
    assert (mail.raw_sha256, mail.raw_size) == (sha256(raw), len(raw))
    assert mail.raw.read() == raw
    (attachment,) = Attachment.objects.filter(ticket=mail.ticket)
    assert attachment.filename == f"mail-{mail.pk}.eml"
    assert attachment.sha256 == sha256(raw)
    assert attachment.file.read() == raw
    assert (attachment.email_type.model_class(), attachment.email_id) == (IncomingEmail, mail.pk)
    assert attachment.created_by == mailbot


@pytest.mark.req("R16")
def test_the_files_of_a_mail_are_extracted_as_attachments(mailbot, maildir, contact):
    raw = mails.mail(
        files=[("bildschirm.png", mails.PNG, "image/png"), ("sanivision.log", mails.LOG, "text/plain")]
    )
    mails.drop(maildir, raw)
    call_command("fetch_mail")

    ticket = only_mail().ticket
    files = {a.filename: a for a in Attachment.objects.filter(ticket=ticket)}
    assert set(files) == {f"mail-{only_mail().pk}.eml", "bildschirm.png", "sanivision.log"}
    assert files["bildschirm.png"].sha256 == sha256(mails.PNG)
    assert files["bildschirm.png"].content_type == "image/png"
    assert files["sanivision.log"].file.read() == mails.LOG


@pytest.mark.req("R17")
def test_each_message_id_is_processed_once_also_when_the_mail_comes_again(mailbot, maildir, contact):
    raw = mails.mail()
    mails.drop(maildir, raw)
    call_command("fetch_mail")
    call_command("fetch_mail")  # a re-run: nothing new
    mails.drop(maildir, raw)  # the same mail delivered a second time
    call_command("fetch_mail")

    assert IncomingEmail.objects.count() == 1
    assert Ticket.objects.count() == 1
    assert Attachment.objects.count() == 1
    assert not list((maildir / "new").iterdir())  # the copy is marked processed too


def test_fetch_mail_reports_what_it_did(mailbot, maildir, contact, capsys):
    mails.drop(maildir, mails.mail())
    mails.drop(maildir, mails.mail(sender="fremd@elsewhere.test"))
    call_command("fetch_mail")
    assert capsys.readouterr().out.strip() == "Mail: 2 read, 2 new, 0 seen before, 1 waiting in /mail/."


def test_a_mail_whose_date_lies_in_the_future_is_received_now(mailbot, contact):
    mail = services.mail_receive(raw=mails.mail(date="Thu, 01 Jan 2099 10:00:00 +0000"), by=mailbot)
    assert mail.ticket.received_at <= timezone.now()


# ---- the routing rules, in order --------------------------------------------------------------


@pytest.mark.req("R17")
def test_a_ticket_number_in_the_subject_joins_that_ticket(mailbot, support_user):
    ticket = create_ticket(support_user)
    raw = mails.mail(sender="irgendwer@elsewhere.test", subject=f"AW: [{ticket.number}] Rezeptdruck")

    mail = services.mail_receive(raw=raw, by=mailbot)

    assert (mail.route, mail.ticket) == (Route.TICKET_NUMBER, ticket)
    assert Ticket.objects.count() == 1
    assert list(ticket.incoming_emails.all()) == [mail]
    assert Attachment.objects.get(ticket=ticket).sha256 == sha256(raw)


def test_an_unknown_ticket_number_falls_through_to_the_other_rules(mailbot, contact):
    mail = services.mail_receive(raw=mails.mail(subject="[2026-999999] alte Nummer"), by=mailbot)
    assert mail.route == Route.NEW_TICKET


@pytest.mark.req("R17")
def test_a_reply_to_a_customer_mail_joins_its_ticket_threaded_by_references(mailbot, support_user, contact):
    ticket = create_ticket(support_user, customer=contact.customer)
    sent = ticket_services.ticket_email_customer(
        ticket_id=ticket.pk,
        by=support_user,
        data={"to": "kunde@example.test", "subject": "Ihr Vorgang", "body": "Bitte prüfen Sie …"},
    )
    reply = mails.mail(
        subject="AW: Ihr Anliegen",  # the number was removed from the subject by the customer
        headers={"In-Reply-To": sent.message_id, "References": sent.message_id},
    )

    mail = services.mail_receive(raw=reply, by=mailbot)

    assert (mail.route, mail.ticket) == (Route.TICKET_NUMBER, ticket)
    assert Ticket.objects.count() == 1  # no new ticket although the sender is a known contact


def test_a_follow_up_to_an_earlier_incoming_mail_joins_the_same_ticket(mailbot, contact):
    first = services.mail_receive(raw=mails.mail(), by=mailbot)
    second = services.mail_receive(
        raw=mails.mail(subject="Nachtrag", headers={"References": first.message_id}), by=mailbot
    )
    assert second.ticket == first.ticket
    assert Ticket.objects.count() == 1


@pytest.fixture
def sic_domain(settings):
    settings.SUPPORTDESK_VENDOR_MAIL_DOMAIN = "sic-software.test"


@pytest.mark.req("R17")
def test_a_mail_from_sic_naming_a_known_reference_becomes_a_vendor_report_on_each_of_its_tickets(
    mailbot, support_user, sic_domain
):
    first = ticket_in_state(State.PROGRAM_REQUEST, support_user)  # filed as PW-2026-17
    second = ticket_in_state(State.TRIAGE, support_user)
    ticket_services.ticket_transition(
        ticket_id=second.pk,
        name="escalate",
        by=support_user,
        data={
            "problem_description": "Fehler 4711 reproduzierbar bei jedem Kassenrezept seit Update 12.3.",
            "vendor_contact_summary": "Mit SIC besprochen.",
            "vendor_reference": "SIC-8812",
        },
    )
    raw = mails.mail(
        sender="Hotline SIC <hotline@sic-software.test>",
        subject="Stand zu PW-2026-17 und SIC-8812",
        text="Die Korrektur kommt mit 12.4.",
        files=[("hinweis.png", mails.PNG, "image/png")],
    )

    mail = services.mail_receive(raw=raw, by=mailbot)

    assert mail.route == Route.VENDOR_REPORT
    reports = VendorContact.objects.filter(kind=VendorContact.Kind.VENDOR_REPORT).order_by("ticket_id")
    assert [(r.ticket_id, r.vendor_reference, r.channel) for r in reports] == [
        (first.pk, "PW-2026-17", "email"),
        (second.pk, "SIC-8812", "email"),
    ]
    assert "Die Korrektur kommt mit 12.4." in reports[0].summary
    for report in reports:
        names = set(Attachment.objects.filter(ticket=report.ticket).values_list("filename", flat=True))
        assert {f"mail-{mail.pk}.eml", "hinweis.png"} <= names
        assert Attachment.objects.filter(vendor_contact=report).count() == 2
    assert Ticket.objects.count() == 2


def test_the_vendor_domain_defaults_to_the_domain_of_sics_address(mailbot, support_user, settings):
    settings.SUPPORTDESK_VENDOR_MAIL_DOMAIN = ""
    sic = Vendor.objects.get(name=SIC_NAME)
    sic.email = "hotline@sic-software.test"
    sic.save()
    ticket = ticket_in_state(State.ESCALATED, support_user)  # vendor reference SIC-4711
    mail = services.mail_receive(
        raw=mails.mail(sender="hotline@sic-software.test", subject="SIC-4711 gelöst"), by=mailbot
    )
    assert (mail.route, mail.ticket) == (Route.VENDOR_REPORT, ticket)


def test_a_mail_from_sic_without_a_known_reference_waits_in_mail(mailbot, support_user, sic_domain):
    ticket_in_state(State.ESCALATED, support_user)
    mail = services.mail_receive(
        raw=mails.mail(sender="hotline@sic-software.test", subject="Newsletter 12.4"), by=mailbot
    )
    assert (mail.route, mail.ticket) == (Route.UNMATCHED, None)
    assert not VendorContact.objects.filter(kind=VendorContact.Kind.VENDOR_REPORT).exists()


def test_a_known_reference_from_another_domain_opens_no_vendor_report(mailbot, support_user, sic_domain):
    ticket_in_state(State.ESCALATED, support_user)
    mail = services.mail_receive(raw=mails.mail(sender="x@not-sic.test", subject="SIC-4711"), by=mailbot)
    assert mail.route == Route.UNMATCHED


def test_a_customer_address_opens_a_ticket_without_a_contact(mailbot):
    customer = CustomerFactory(email="info@sanihaus.test")
    mail = services.mail_receive(raw=mails.mail(sender="info@sanihaus.test"), by=mailbot)
    assert (mail.route, mail.ticket.customer, mail.ticket.contact) == (Route.NEW_TICKET, customer, None)


def test_an_address_of_two_customers_is_not_guessed(mailbot):
    ContactFactory(email="it@verbund.test")
    ContactFactory(email="it@verbund.test")
    mail = services.mail_receive(raw=mails.mail(sender="it@verbund.test"), by=mailbot)
    assert mail.route == Route.UNMATCHED and not Ticket.objects.exists()


def test_an_inactive_contact_opens_no_ticket(mailbot):
    ContactFactory(email="alt@example.test", active=False)
    assert (
        services.mail_receive(raw=mails.mail(sender="alt@example.test"), by=mailbot).route == Route.UNMATCHED
    )


def test_anything_else_waits_in_mail(mailbot):
    mail = services.mail_receive(raw=mails.mail(sender="fremd@elsewhere.test"), by=mailbot)
    assert (mail.route, mail.ticket, mail.waiting) == (Route.UNMATCHED, None, True)
    assert not Attachment.objects.exists()


# ---- auto-replies, bounces, lists --------------------------------------------------------------


AUTOMATIC = {
    "out of office": {"Auto-Submitted": "auto-replied"},
    "precedence bulk": {"Precedence": "bulk"},
    "precedence list": {"Precedence": "list"},
    "precedence junk": {"Precedence": "junk"},
    "mailing list": {"List-Id": "Kunden-Info <kunden.example.test>"},
    "x-autoreply": {"X-Autoreply": "yes"},
}


@pytest.mark.req("R17")
@pytest.mark.parametrize("headers", AUTOMATIC.values(), ids=AUTOMATIC.keys())
def test_auto_replies_and_list_mail_never_open_or_join_a_ticket(mailbot, support_user, contact, headers):
    ticket = create_ticket(support_user, customer=contact.customer)
    raw = mails.mail(subject=f"Abwesenheit: [{ticket.number}] Ihr Vorgang", headers=headers)

    mail = services.mail_receive(raw=raw, by=mailbot)

    assert (mail.route, mail.ticket, mail.waiting) == (Route.IGNORED_AUTO_REPLY, None, False)
    assert Ticket.objects.count() == 1 and not Attachment.objects.exists()


@pytest.mark.req("R17")
def test_a_bounce_from_mailer_daemon_is_ignored(mailbot, contact):
    mail = services.mail_receive(raw=mails.bounce(), by=mailbot)
    assert (mail.route, mail.ticket) == (Route.IGNORED_AUTO_REPLY, None)
    assert "multipart/report" in mail.error
    plain = services.mail_receive(raw=mails.mail(sender="MAILER-DAEMON@mail.example.test"), by=mailbot)
    assert plain.route == Route.IGNORED_AUTO_REPLY
    assert not Ticket.objects.exists()


def test_auto_submitted_no_is_a_person_writing(mailbot, contact):
    mail = services.mail_receive(raw=mails.mail(headers={"Auto-Submitted": "no"}), by=mailbot)
    assert mail.route == Route.NEW_TICKET


# ---- what is kept of the text -----------------------------------------------------------------


def test_an_html_only_mail_is_kept_as_sanitised_text_never_as_html(mailbot, contact):
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<p>Fehler&nbsp;4711 beim <b>Rezeptdruck</b></p><p>Gruß<br>Petra</p>"
        '<img src="https://tracker.test/p.gif" onerror="alert(1)"></body></html>'
    )
    mail = services.mail_receive(raw=mails.mail(text=None, html=html), by=mailbot)
    assert mail.text == "Fehler 4711 beim Rezeptdruck\nGruß\nPetra"
    for active in ("<", "script", "alert", "color:red", "tracker"):
        assert active not in mail.text
    assert mail.ticket.description == mail.text


def test_the_plain_part_is_preferred_to_the_html_part(mailbot, contact):
    mail = services.mail_receive(raw=mails.mail(text="Nur Text.", html="<p>HTML</p>"), by=mailbot)
    assert mail.text == "Nur Text."


# ---- malformed mail ------------------------------------------------------------------------------


MALFORMED = {
    "garbage": b"\x00\xff\xfe nothing of a mail \x00\x00",
    "no sender": b"Subject: ohne Absender\r\nMessage-ID: <x1@example.test>\r\n\r\nText\r\n",
    "broken headers": b"From: \xff\xfe@@@\r\nSubject: =?utf-8?B?####?=\r\nDate: gestern\r\n\r\n\xff\xfe",
    "bad multipart": (
        b"From: kunde@example.test\r\nMessage-ID: <x2@example.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="never"\r\n\r\nno boundary here\r\n'
    ),
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_mail_waits_in_mail_with_an_error_note_never_a_crash(mailbot, contact, maildir, raw):
    mails.drop(maildir, raw)
    call_command("fetch_mail")
    mail = only_mail()
    assert (mail.route, mail.ticket, mail.waiting) == (Route.ERROR, None, True)
    assert mail.error.startswith("Nicht lesbar: ")
    assert mail.raw.read() == raw
    assert not list((maildir / "new").iterdir())


def test_a_routing_failure_keeps_the_mail_as_an_error(mailbot, contact, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("Datenbank sagt nein")

    monkeypatch.setattr(services.ticket_services, "ticket_create", broken)
    mail = services.mail_receive(raw=mails.mail(), by=mailbot)
    mail.refresh_from_db()
    assert (mail.route, mail.ticket) == (Route.ERROR, None)
    assert "Datenbank sagt nein" in mail.error
    assert not Attachment.objects.exists()


def test_a_file_over_the_size_limit_is_noted_and_the_mail_still_joins(mailbot, contact, settings):
    settings.SUPPORTDESK_MAX_UPLOAD_MB = 1
    big = b"x" * (1024 * 1024 + 1)
    mail = services.mail_receive(
        raw=mails.mail(files=[("gross.log", b"a" + big[:10], "text/plain")]), by=mailbot
    )
    assert mail.route == Route.NEW_TICKET
    huge = services.mail_receive(
        raw=mails.mail(subject="Riesig", files=[("riesig.bin", big, "application/octet-stream")]), by=mailbot
    )
    assert huge.route == Route.NEW_TICKET
    assert "riesig.bin" in huge.error or f"mail-{huge.pk}.eml" in huge.error
    assert not Attachment.objects.filter(filename="riesig.bin").exists()


# ---- the evidence check (R16) --------------------------------------------------------------------


@pytest.mark.req("R16")
def test_verify_audit_trail_names_a_changed_or_missing_raw_message(mailbot):
    mail = services.mail_receive(raw=mails.mail(sender="fremd@elsewhere.test"), by=mailbot)
    assert [problem for check in evidence_checks() for problem in check()] == []
    path = mail.raw.path
    with open(path, "ab") as stored:
        stored.write(b"tampered")
    problems = [problem for check in evidence_checks() for problem in check()]
    assert len(problems) == 1 and mail.message_id in problems[0] and "SHA-256" in problems[0]


@pytest.mark.req("R16")
def test_verify_audit_trail_passes_after_mail_in_and_fails_on_a_missing_raw_message(mailbot, contact):
    import io
    from pathlib import Path

    mail = services.mail_receive(raw=mails.mail(files=[("bild.png", mails.PNG, "image/png")]), by=mailbot)
    out = io.StringIO()
    call_command("verify_audit_trail", stdout=out, stderr=io.StringIO())  # chains and files intact
    Path(mail.raw.path).unlink()
    with pytest.raises(CommandError) as broken:
        call_command("verify_audit_trail", stdout=io.StringIO(), stderr=io.StringIO())
    assert broken.value.returncode == 1
    assert f"Eingegangene E-Mail {mail.pk} {mail.message_id}" in str(broken.value)
    assert "die Datei fehlt" in str(broken.value)


def test_a_received_mail_keeps_its_content(mailbot):
    mail = services.mail_receive(raw=mails.mail(sender="fremd@elsewhere.test"), by=mailbot)
    mail.text = "anders"
    with pytest.raises(Exception, match="never changed"):
        mail.save()
    with pytest.raises(Exception):  # noqa: B017, PT011
        mail.delete()


# ---- the command --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "SUPPORTDESK_MAIL_SOURCE is not set"),
        ("pop3://u:p@host/INBOX", "unknown scheme 'pop3'"),
        ("imap://host/INBOX", "needs a user, a password and a host"),
        ("imap://u:p@host:99999/INBOX", "no valid URL"),
        ("maildir:///nowhere/at/all", "No maildir at '/nowhere/at/all'"),
        ("imap://u:p@127.0.0.1:1/INBOX", "Cannot connect to imap://127.0.0.1:1/INBOX"),
    ],
)
def test_a_bad_source_is_one_clear_line(mailbot, settings, source, message):
    settings.SUPPORTDESK_MAIL_SOURCE = source
    with pytest.raises(CommandError, match=message) as refused:
        call_command("fetch_mail", "--by", "posteingang")
    assert "\n" not in str(refused.value)


def test_the_fetcher_acts_as_a_support_account(db, maildir, settings):
    settings.SUPPORTDESK_MAIL_USER = ""
    with pytest.raises(CommandError, match="--by USERNAME or SUPPORTDESK_MAIL_USER"):
        call_command("fetch_mail")
    with pytest.raises(CommandError, match="No active user 'niemand'"):
        call_command("fetch_mail", "--by", "niemand")
    user_with_role(roles.QMB, username="qmb-postfach")
    with pytest.raises(CommandError, match="give it the role support"):
        call_command("fetch_mail", "--by", "qmb-postfach")


def test_a_mail_is_marked_processed_only_after_the_database_committed(mailbot, maildir, contact, monkeypatch):
    from django.db import DatabaseError

    from mailin.management.commands import fetch_mail

    def failing(**kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(fetch_mail, "mail_receive", failing)
    mails.drop(maildir, mails.mail())
    with pytest.raises(DatabaseError):
        call_command("fetch_mail")
    assert len(list((maildir / "new").iterdir())) == 1  # still new: read again next time
    monkeypatch.undo()
    call_command("fetch_mail", "--by", "posteingang")
    assert IncomingEmail.objects.count() == 1 and not list((maildir / "new").iterdir())


# ---- two fetchers at once (PostgreSQL) --------------------------------------------------------


@pytest.mark.req("R17")
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_fetch_mail_processes_at_once_process_each_message_id_once(tmp_path):
    """Two fetchers reading the same mails (two copies of the mailbox) at the same moment: each
    Message-ID becomes one IncomingEmail and one ticket; each process marks its own copy."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    user_with_role(roles.SUPPORT, username="posteingang")
    ContactFactory(email="kunde@example.test")
    n = 25
    raws = [mails.mail(subject=f"Fehler {i}") for i in range(n)]
    boxes = [tmp_path / "one", tmp_path / "two"]
    for box in boxes:
        mailbox.Maildir(str(box), create=True)
        for raw in raws:
            mails.drop(box, raw)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SUPPORTDESK_MEDIA_ROOT": str(tmp_path / "media"),
        "SUPPORTDESK_MAIL_USER": "posteingang",
    }
    root = Path(__file__).resolve().parent.parent
    fetchers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "fetch_mail", "--source", f"maildir://{box}"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for box in boxes
    ]
    outputs = [fetcher.communicate(timeout=180) for fetcher in fetchers]
    assert [fetcher.returncode for fetcher in fetchers] == [0, 0], outputs

    assert IncomingEmail.objects.count() == n
    assert Ticket.objects.count() == n
    assert Attachment.objects.count() == n  # one raw message per ticket, none twice
    new = [int(out.split(" read, ")[1].split(" new")[0]) for out, _ in outputs]
    assert sum(new) == n
    for box in boxes:
        assert not list((box / "new").iterdir())


@pytest.mark.req("R17")
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_threads_receiving_the_same_mail_at_once_keep_it_once():
    import threading

    from django.db import connection as default_connection

    bot = user_with_role(roles.SUPPORT, username="posteingang")
    ContactFactory(email="kunde@example.test")
    raw = mails.mail()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def receive():
        try:
            barrier.wait()
            results.append(services.mail_receive(raw=raw, by=bot))
        except Exception as error:  # pragma: no cover - shown in the assertion
            errors.append(error)
        finally:
            default_connection.close()

    threads = [threading.Thread(target=receive) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(result is None for result in results) == [False, True]
    assert IncomingEmail.objects.count() == 1 and Ticket.objects.count() == 1
