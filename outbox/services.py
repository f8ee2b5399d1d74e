"""The outbox (R17, DESIGN §9 "E-mail out"): every e-mail is written here in the transaction of its
cause and delivered afterwards, with retries; several senders never send one mail twice.

- `queue(...)` writes the row inside the caller's transaction (refused outside one) and, once that
  transaction commits, tries to deliver it at once. That try may fail (mail server down): the
  request that caused the mail is committed and answers success all the same; the mail stays
  queued for `send_outbox`.
- `deliver_due()` (`manage.py send_outbox`, cron or `--loop`) delivers what is due, one mail at a
  time: it **claims** the row first, in a transaction of its own — `SELECT … FOR UPDATE SKIP
  LOCKED` on PostgreSQL (SQLite: the IMMEDIATE transaction locks the database), then it counts the
  attempt and moves `next_attempt_at` to the end of a claim of CLAIM minutes, and commits. Only then
  does it talk to the mail server, holding no lock, and records the outcome in a second short
  transaction. Another sender running at the same moment skips the locked row, and after the
  commit no longer finds it due: each mail is sent at most once. A sender that dies between its
  claim and the outcome leaves the mail queued; it is tried again when the claim ends. Only a
  crash in the instant after the server accepted the mail and before the outcome was written can
  send it again (that mail keeps its Message-ID, so the receiving side sees the same message).
  Holding the row lock while sending was the alternative; it keeps a database transaction open
  for as long as the mail server takes and has that same window, so claims it is.
- A failed attempt is tried again after 1, 5, 15, 60, 240 minutes; after
  SUPPORTDESK_OUTBOX_ATTEMPTS attempts, or at once when the server refuses the mail for good
  (a 5xx answer), it is `failed` with the server's last answer, shown on /outbox/ and in
  GET /api/v1/outbox/. "Erneut versuchen" queues a failed mail for one more attempt.
"""

import datetime
import logging
import smtplib
from collections import Counter
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from audit import reasons
from audit.history import save_audited
from outbox.models import OutgoingEmail
from supportdesk.errors import Conflict

log = logging.getLogger(__name__)

State = OutgoingEmail.State
# The waits after the 1st, 2nd, … failed attempt; the last one repeats.
RETRY_DELAYS = tuple(datetime.timedelta(minutes=m) for m in (1, 5, 15, 60, 240))
# How long a sender's claim on a mail lasts: longer than any attempt (EMAIL_TIMEOUT) can take.
CLAIM = datetime.timedelta(minutes=10)
ERROR_LENGTH = 2000

REASONS = {
    "outbox_queued": gettext_lazy("E-Mail in den Postausgang gelegt"),
    "outbox_attempt": gettext_lazy("Zustellversuch begonnen"),
    "outbox_sent": gettext_lazy("E-Mail vom Mailserver angenommen"),
    "outbox_retry": gettext_lazy("Zustellung fehlgeschlagen; neuer Versuch geplant"),
    "outbox_failed": gettext_lazy("Zustellung endgültig fehlgeschlagen"),
    "outbox_requeued": gettext_lazy("Erneuter Zustellversuch angestoßen"),
}
reasons.register(REASONS)

DENIED = gettext_lazy("Nur Geschäftsleitung und Administration sehen und verwalten den Postausgang.")
NOT_IN_TRANSACTION = (
    "outbox.queue() belongs inside the transaction of the event that causes the mail (R17): "
    "wrap the write and the queue() call in transaction.atomic()"
)


def max_attempts() -> int:
    return max(1, settings.SUPPORTDESK_OUTBOX_ATTEMPTS)


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failed attempt."""
    return RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


def new_message_id() -> str:
    """A Message-ID in the domain of SUPPORTDESK_MAIL_DOMAIN, the same on every app server."""
    from email.utils import make_msgid

    return make_msgid(domain=settings.SUPPORTDESK_MAIL_DOMAIN)


def _addresses(to) -> list[str]:
    found = [to] if isinstance(to, str) else list(to)
    addresses = [address.strip() for address in found if address and address.strip()]
    if not addresses:
        raise ValueError("an e-mail needs at least one recipient")
    if any("\n" in address or "\r" in address for address in addresses):
        raise ValueError("an e-mail address is one line")
    return addresses


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def queue(
    *,
    to,
    subject: str,
    body: str,
    html: str | None = None,
    ticket=None,
    notification=None,
    headers: dict | None = None,
    by=None,
    kind: str = OutgoingEmail.Kind.OTHER,
) -> OutgoingEmail:
    """Write the mail to the outbox, inside the caller's transaction; delivered after its commit.

    `to`: one address or a list; `headers`: e.g. In-Reply-To, References (a Message-ID is made
    unless given); `ticket`/`notification`: what the mail belongs to; `by`: who caused it."""
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(NOT_IN_TRANSACTION)
    named = [(_one_line(name), _one_line(value)) for name, value in (headers or {}).items()]
    given = {name.lower(): (name, value) for name, value in named}
    message_id = given.pop("message-id", (None, ""))[1] or new_message_id()
    in_reply_to = given.pop("in-reply-to", (None, ""))[1]
    references = given.pop("references", (None, ""))[1]
    for reserved in ("from", "to", "subject", "cc", "bcc"):
        given.pop(reserved, None)
    email = OutgoingEmail(
        kind=kind,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to="\n".join(_addresses(to)),
        subject=_one_line(subject),
        body=body,
        html=html or "",
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        extra_headers="\n".join(f"{name}: {value}" for name, value in given.values()),
        ticket=ticket,
        notification=notification,
        created_by=by,
        created_at=timezone.now(),
    )
    email.next_attempt_at = email.created_at
    save_audited(email, by=by, reason="outbox_queued")
    after_commit(partial(deliver_now, email.pk))
    return email


def after_commit(attempt) -> None:
    """Run the first delivery attempt once the transaction commits; its failure is logged only."""
    transaction.on_commit(attempt, robust=True)


def deliver_now(email_id) -> None:
    """The attempt right after the cause committed; whatever happens, the cause stays committed."""
    try:
        deliver_due(ids=[email_id], limit=1)
    except Exception:  # the database, say: send_outbox tries again
        log.exception("Outbox: e-mail %s could not be delivered after commit; it stays queued", email_id)


# ---- delivery ----------------------------------------------------------------------------------


def deliver_due(*, now=None, limit: int = 100, ids=None) -> Counter:
    """Deliver up to `limit` due mails (of `ids`, if given), one claim at a time; returns how many
    were sent, rescheduled (`retry`) and `failed`. `now`: the time to act at (default: the clock)."""
    results = Counter()
    connection = None
    try:
        for _ in range(limit):
            at = now or timezone.now()
            email = claim_one(at, ids=ids)
            if email is None:
                break
            connection = connection or get_connection()
            results[_deliver(email, connection, at)] += 1
    finally:
        if connection is not None:
            _close(connection)
    return results


def claim_one(now, *, ids=None) -> OutgoingEmail | None:
    """Claim the mail due first: lock it (skipping rows another sender has locked), count the
    attempt, move its next attempt to the end of the claim, commit. None when nothing is due."""
    with transaction.atomic():
        due = OutgoingEmail.objects.select_for_update(skip_locked=True).filter(
            state=State.QUEUED, next_attempt_at__lte=now
        )
        if ids is not None:
            due = due.filter(pk__in=list(ids))
        email = due.order_by("next_attempt_at", "pk").first()
        if email is None:
            return None
        email.attempts += 1
        email.next_attempt_at = now + CLAIM
        save_audited(email, by=None, reason="outbox_attempt")
    return email


def as_message(email: OutgoingEmail, connection=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        from_email=email.from_email,
        to=email.recipients,
        headers=email.headers,
        connection=connection,
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    return message


def _deliver(email, connection, now) -> str:
    try:
        connection.send_messages([as_message(email, connection)])
    except Exception as error:
        _close(connection)
        return _record_failure(email.pk, error, now)
    return _record_sent(email.pk)


def _close(connection) -> None:
    try:
        connection.close()
    except Exception:  # a connection that broke is closed all the same
        log.debug("Outbox: closing the mail connection failed", exc_info=True)


def _record_sent(email_id) -> str:
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().get(pk=email_id)
        email.state, email.sent_at, email.next_attempt_at = State.SENT, timezone.now(), None
        email.last_error = ""
        save_audited(email, by=None, reason="outbox_sent")
    return "sent"


def refused_for_good(error: Exception) -> bool:
    """The mail server refused this mail's recipients or content with a permanent (5xx) answer, or
    the mail cannot be sent at all: trying again cannot help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    # A network or server problem (a wrong password or sender is the server's setup, too): tried
    # again. Anything else is the mail itself (a header Django refuses): it cannot get better.
    return not isinstance(error, OSError)


def error_text(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [f"{to}: {code} {_decoded(message)}" for to, (code, message) in error.recipients.items()]
        return _one_line(f"{type(error).__name__}: " + "; ".join(parts))[:ERROR_LENGTH]
    if isinstance(error, smtplib.SMTPResponseException):
        text = f"{type(error).__name__}: {error.smtp_code} {_decoded(error.smtp_error)}"
        return _one_line(text)[:ERROR_LENGTH]
    return _one_line(f"{type(error).__name__}: {error}")[:ERROR_LENGTH]


def _decoded(message) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def _record_failure(email_id, error, now) -> str:
    text = error_text(error)
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().get(pk=email_id)
        email.last_error = text
        if refused_for_good(error) or email.attempts >= max_attempts():
            email.state, email.next_attempt_at = State.FAILED, None
            save_audited(email, by=None, reason="outbox_failed")
            log.error("Outbox: e-mail %s failed after %d attempts: %s", email.pk, email.attempts, text)
            return "failed"
        email.next_attempt_at = now + retry_delay(email.attempts)
        save_audited(email, by=None, reason="outbox_retry")
    log.warning(
        "Outbox: e-mail %s, attempt %d failed (%s); next at %s",
        email_id,
        email.attempts,
        text,
        email.next_attempt_at,
    )
    return "retry"


# ---- what management and the admin do with it ---------------------------------------------------


def outbox_retry(*, email_id, by) -> OutgoingEmail:
    """ "Jetzt erneut versuchen": a failed mail is queued for one more attempt, right away."""
    roles.require(roles.can_read_outbox, by, DENIED)
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().get(pk=email_id)
        if email.state != State.FAILED:
            raise Conflict(_("Nur eine fehlgeschlagene E-Mail kann erneut versucht werden."))
        email.state, email.next_attempt_at = State.QUEUED, timezone.now()
        save_audited(email, by=by, reason="outbox_requeued")
        after_commit(partial(deliver_now, email.pk))
    return email
