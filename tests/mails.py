"""Raw e-mails for the e-mail-in tests, built with the standard library as a mail client sends them."""

import email.utils
import itertools
import mailbox
import os
import time
from email.message import EmailMessage
from pathlib import Path

_numbers = itertools.count(1)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
LOG = b"2026-03-02 09:14:03 ERROR Rezeptdruck: Fehler 4711\n"


def mail(
    *,
    sender="kunde@example.test",
    to="support@supportdesk.test",
    subject="Rezeptdruck bricht ab",
    text="Guten Tag,\nbeim Drucken erscheint Fehler 4711.\nViele Grüße",
    html=None,
    date="Mon, 02 Mar 2026 09:15:00 +0100",
    message_id=None,
    headers=None,
    files=(),
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = date
    message["Message-ID"] = message_id or f"<test-{next(_numbers)}-{id(message)}@example.test>"
    for name, value in (headers or {}).items():
        message[name] = value
    if html is not None and text is None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    for filename, data, mime in files:
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(message)


def message_id_of(raw: bytes) -> str:
    return email.message_from_bytes(raw)["Message-ID"]


def bounce(to="kunde@example.test") -> bytes:
    """A delivery status notification (RFC 3464) as MAILER-DAEMON sends it."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mail.example.test>\r\n"
        f"To: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {email.utils.formatdate()}\r\n"
        f"Message-ID: <bounce-{next(_numbers)}@mail.example.test>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n--b1\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.example.test\r\n\r\n"
        "Final-Recipient: rfc822; nobody@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--b1--\r\n"
    ).encode()


def drop(maildir_path, raw: bytes) -> str:
    """Deliver a mail into the maildir's new/ as an MTA would; its key."""
    mailbox.Maildir(str(maildir_path), create=True)
    key = f"{time.time():.6f}.M{next(_numbers)}P{os.getpid()}.test"
    tmp = Path(maildir_path) / "tmp" / key
    tmp.write_bytes(raw)
    tmp.rename(Path(maildir_path) / "new" / key)
    return key
