"""E-mail in against a real IMAP server (Debian's dovecot on 127.0.0.1, tests/imap_server.py):
`fetch_mail` with `imap://…` reads new mail, routes it, and only then flags it `\\Seen $Supportdesk`;
a re-run reads nothing again; a refused login is one clear line (DESIGN §9 "E-mail in", R17)."""

import os

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError

from accounts import roles
from attachments.models import Attachment
from mailin.models import IncomingEmail
from tests import mails
from tests.factories import ContactFactory, create_ticket, user_with_role
from tests.imap_server import DOVECOT, PASSWORD, USER, Dovecot, required
from tickets.models import Ticket

Route = IncomingEmail.Route


@pytest.fixture
def dovecot(tmp_path):
    if not os.path.exists(DOVECOT):
        if required():
            pytest.fail(f"{DOVECOT} is missing; CI installs dovecot-imapd (.ci/run)")
        pytest.skip(
            f"the IMAP tests need Debian's dovecot-imapd ({DOVECOT} is missing): "
            "apt-get install dovecot-imapd"
        )
    server = Dovecot(tmp_path / "dovecot").start()
    yield server
    server.stop()


@pytest.fixture
def imap_source(dovecot, settings, db):
    user_with_role(roles.SUPPORT, username="posteingang")
    settings.SUPPORTDESK_MAIL_SOURCE = dovecot.url
    settings.SUPPORTDESK_MAIL_USER = "posteingang"
    return dovecot


@pytest.mark.req("R17")
def test_fetch_mail_routes_the_mails_of_an_imap_inbox_and_flags_them_after_commit(
    imap_source, support_user, capsys
):
    contact = ContactFactory(email="kunde@example.test")
    ticket = create_ticket(support_user)
    imap_source.append(mails.mail(files=[("bild.png", mails.PNG, "image/png")]))
    imap_source.append(
        mails.mail(sender="fremd@elsewhere.test", subject=f"Re: [{ticket.number}] Ihr Vorgang")
    )
    imap_source.append(mails.mail(sender="fremd@elsewhere.test", subject="Werbung"))
    imap_source.append(mails.bounce())

    call_command("fetch_mail")

    assert capsys.readouterr().out.strip() == "Mail: 4 read, 4 new, 0 seen before, 1 waiting in /mail/."
    routes = list(IncomingEmail.objects.order_by("pk").values_list("route", flat=True))
    assert routes == [Route.NEW_TICKET, Route.TICKET_NUMBER, Route.UNMATCHED, Route.IGNORED_AUTO_REPLY]
    opened = IncomingEmail.objects.get(route=Route.NEW_TICKET).ticket
    assert opened.contact == contact and opened.channel == "email"
    assert set(Attachment.objects.filter(ticket=opened).values_list("filename", flat=True)) >= {"bild.png"}
    assert IncomingEmail.objects.get(route=Route.TICKET_NUMBER).ticket == ticket
    flags = imap_source.flags()
    assert len(flags) == 4 and all("\\Seen" in f and "$Supportdesk" in f for f in flags)


@pytest.mark.req("R17")
def test_a_second_run_reads_nothing_again_and_the_same_message_id_is_skipped(imap_source, capsys):
    ContactFactory(email="kunde@example.test")
    raw = mails.mail()
    imap_source.append(raw)
    call_command("fetch_mail")
    call_command("fetch_mail")
    imap_source.append(raw)  # the same mail arrives once more
    call_command("fetch_mail")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Mail: 1 read, 1 new, 0 seen before, 0 waiting in /mail/.",
        "Mail: 0 read, 0 new, 0 seen before, 0 waiting in /mail/.",
        "Mail: 1 read, 0 new, 1 seen before, 0 waiting in /mail/.",
    ]
    assert IncomingEmail.objects.count() == 1 and Ticket.objects.count() == 1


def test_a_mail_stays_unflagged_when_the_database_did_not_commit(imap_source, monkeypatch):
    from mailin.management.commands import fetch_mail

    def failing(**kwargs):
        raise DatabaseError("connection lost")

    imap_source.append(mails.mail(sender="fremd@elsewhere.test"))
    monkeypatch.setattr(fetch_mail, "mail_receive", failing)
    with pytest.raises(DatabaseError):
        call_command("fetch_mail")
    (flags,) = imap_source.flags()
    assert "$Supportdesk" not in flags and "\\Seen" not in flags  # read with BODY.PEEK: untouched
    monkeypatch.undo()
    call_command("fetch_mail")
    assert IncomingEmail.objects.count() == 1


def test_a_refused_login_is_one_clear_line(imap_source, settings):
    settings.SUPPORTDESK_MAIL_SOURCE = imap_source.url.replace(PASSWORD, "falsch")
    with pytest.raises(CommandError) as refused:
        call_command("fetch_mail")
    message = str(refused.value)
    assert message.startswith(f"Login refused by imap://127.0.0.1:{imap_source.port}/INBOX for '{USER}'")
    assert "\n" not in message and "falsch" not in message


def test_an_unknown_folder_is_one_clear_line(imap_source, settings):
    settings.SUPPORTDESK_MAIL_SOURCE = imap_source.url.replace("/INBOX", "/Nirgendwo")
    with pytest.raises(CommandError, match="Cannot open the folder 'Nirgendwo'"):
        call_command("fetch_mail")


def test_a_server_that_is_down_is_one_clear_line(imap_source, settings):
    imap_source.stop()
    with pytest.raises(CommandError, match=f"Cannot connect to imap://127.0.0.1:{imap_source.port}/INBOX"):
        call_command("fetch_mail")
