"""Reading a raw e-mail (RFC 5322/MIME) into what supportdesk keeps of it, with the standard library.

Nothing here trusts the sender: headers that cannot be decoded are kept as far as readable, HTML is
never kept as HTML (only its text, through nh3), and every attachment's name is sanitised later by
the attachments app. A message that cannot be read at all raises Unreadable.
"""

import datetime
import email
import email.errors
import email.policy
import email.utils
import hashlib
import html
import re
from dataclasses import dataclass, field

import nh3
from django.utils.translation import gettext as _

TICKET_NUMBER = re.compile(r"\[(\d{4}-\d{6})\]")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Words that may be a vendor reference (SIC-4711, PW-2026-17): looked up among the known ones.
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.#-]{0,98}[A-Za-z0-9]")
AUTO_PRECEDENCE = {"bulk", "list", "junk"}
DAEMONS = ("mailer-daemon", "postmaster")
BLOCK_END = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6]|/table|/blockquote)\b[^>]*>", re.IGNORECASE)


class Unreadable(Exception):
    """The bytes are no e-mail this app can read."""


@dataclass
class Part:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Parsed:
    message_id: str
    from_header: str = ""
    from_name: str = ""
    from_address: str = ""
    to: str = ""
    cc: str = ""
    subject: str = ""
    date: datetime.datetime | None = None
    text: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    auto_reason: str = ""  # why this is an auto-reply, bounce or list mail ("" if it is none)
    attachments: list[Part] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ticket_numbers(self) -> list[str]:
        return TICKET_NUMBER.findall(self.subject)

    @property
    def thread_ids(self) -> list[str]:
        return [*self.in_reply_to, *self.references]

    @property
    def from_domain(self) -> str:
        return self.from_address.rpartition("@")[2]


def sha256_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def one_line(value) -> str:
    return " ".join(str(value or "").split())


def header(message, name: str) -> str:
    """A header's decoded value, or its raw text when it cannot be decoded; "" when absent."""
    try:
        value = message.get(name)
    except Exception:  # a header the policy cannot parse
        value = message.get_all(name, [""])[0] if hasattr(message, "get_all") else ""
    return one_line(value)


def message_ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def html_to_text(markup: str) -> str:
    """The text of an HTML mail: tags and active content (script, style) removed, entities read."""
    markup = BLOCK_END.sub("\n", markup)
    text = html.unescape(nh3.clean(markup, tags=set()))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def auto_reason(message, from_address: str) -> str:
    auto_submitted = header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = header(message, "Precedence").lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if header(message, "List-Id"):
        return "List-Id"
    if message.get_content_type() == "multipart/report":
        return "multipart/report"
    if any(header(message, name) for name in ("X-Autoreply", "X-Autorespond")):
        return "X-Autoreply"
    if from_address.partition("@")[0] in DAEMONS:
        return "MAILER-DAEMON"
    return ""


def body_text(message) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = body.get_content()
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    if body.get_content_subtype() == "html":
        return html_to_text(content)
    return content.replace("\r\n", "\n").strip()


def attachments_of(message, body) -> list[Part]:
    found = []
    for part in message.walk():
        if part.is_multipart() or part is body:
            continue
        filename = part.get_filename()
        if part.get_content_disposition() != "attachment" and not filename:
            continue
        data = part.get_payload(decode=True) or b""
        if isinstance(data, str):
            data = data.encode()
        found.append(Part(filename or "anhang", part.get_content_type(), data))
    return found


def parse(raw: bytes) -> Parsed:
    """What the app keeps of a raw message. A mail without a Message-ID gets one made of its hash
    (so it, too, is processed once)."""
    if not raw or not raw.strip():
        raise Unreadable("empty message")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    ids = message_ids(header(message, "Message-ID"))
    parsed = Parsed(message_id=(ids[0] if ids else f"<{sha256_of(raw)}@no-message-id.invalid>")[:255])
    parsed.from_header = header(message, "From")[:998]
    name, address = email.utils.parseaddr(parsed.from_header)
    parsed.from_name, parsed.from_address = one_line(name), address.strip().lower()[:254]
    if "@" not in parsed.from_address:
        parsed.from_address = ""
        parsed.problems.append(_("kein lesbarer Absender"))
    parsed.to, parsed.cc = header(message, "To"), header(message, "Cc")
    parsed.subject = header(message, "Subject")[:998]
    try:
        date = email.utils.parsedate_to_datetime(header(message, "Date"))
        parsed.date = date if date.tzinfo else date.replace(tzinfo=datetime.UTC)
    except (TypeError, ValueError, IndexError):
        parsed.date = None
    parsed.in_reply_to = message_ids(header(message, "In-Reply-To"))
    parsed.references = message_ids(header(message, "References"))
    parsed.auto_reason = auto_reason(message, parsed.from_address)
    try:
        body = message.get_body(preferencelist=("plain", "html"))
        parsed.text = body_text(message)
        parsed.attachments = attachments_of(message, body)
    except Exception as error:  # a broken MIME structure: keep what the headers say
        parsed.problems.append(
            _("Text nicht lesbar (%(error)s)") % {"error": f"{type(error).__name__}: {error}"}
        )
    for part in message.walk():
        for defect in part.defects:
            if isinstance(defect, email.errors.MissingHeaderBodySeparatorDefect):
                parsed.problems.append(_("Kopfzeilen und Text nicht getrennt"))
            elif isinstance(
                defect, email.errors.NoBoundaryInMultipartDefect | email.errors.StartBoundaryNotFoundDefect
            ):
                parsed.problems.append(_("MIME-Teile ohne Grenze"))
    for name in ("message_id", "from_header", "from_name", "from_address", "to", "cc", "subject", "text"):
        setattr(parsed, name, without_nul(getattr(parsed, name)))  # PostgreSQL keeps no NUL in text
    return parsed


def without_nul(text: str) -> str:
    return text.replace("\x00", "")
