"""Every e-mail tickets writes: to management about a risk-relevant event, to the customer about a
ticket (a draft from a German template per notification kind, edited before sending). The texts are
made here; tickets.services puts them into the outbox (R17) in the transaction of their cause.

Mails to the customer thread (DESIGN §9 "E-mail out"): the subject carries the ticket number in
brackets, `[2026-000123]`, and each mail answers the ticket's previous one (In-Reply-To, References),
so a reply lands in the same conversation and, by its subject or its headers, on the ticket.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from outbox.models import OutgoingEmail

# References kept in a reply: the first mail of the conversation and the latest ones (RFC 5322 §3.6.4
# allows trimming; mail clients thread by the first and the last).
MAX_REFERENCES = 20


def risk_review_requested(review) -> dict:
    """The mail to management: `subject` and `body`."""
    context = {"review": review, "ticket": review.ticket, "site_url": settings.SITE_URL}
    with translation.override("de"):
        return {
            "subject": render_to_string("tickets/email/risk_review_requested_subject.txt", context).strip(),
            "body": render_to_string("tickets/email/risk_review_requested_body.txt", context),
        }


def number_tag(ticket) -> str:
    return f"[{ticket.number}]"


def customer_subject(ticket, subject: str) -> str:
    """The subject with the ticket number in brackets, added in front unless it is there already."""
    subject = " ".join(subject.split())
    return subject if number_tag(ticket) in subject else f"{number_tag(ticket)} {subject}"


def customer_email_draft(*, ticket, kind: str, by) -> dict:
    """The German draft for a notification kind (tickets/email/customer_<kind>.txt), to be edited."""
    contact = ticket.contact if ticket.contact and ticket.contact.email else None
    context = {"ticket": ticket, "contact": contact, "sender": by, "program_request": ticket.program_request}
    with translation.override("de"):  # the customer is written to in German, whatever the UI language
        return {
            "kind": kind,
            "to": contact.email if contact else ticket.customer.email,
            "subject": _("Ihr Support-Vorgang %(number)s: %(summary)s")
            % {"number": number_tag(ticket), "summary": ticket.summary},
            "body": render_to_string(f"tickets/email/customer_{kind}.txt", context).strip() + "\n",
        }


def thread_headers(ticket) -> dict:
    """In-Reply-To and References for the ticket's next mail to the customer: it answers the
    ticket's previous customer mail. (Mails that came in for the ticket join here once e-mail in
    keeps their Message-IDs: the newest of either is the one answered.)"""
    previous = (
        OutgoingEmail.objects.filter(ticket=ticket, kind=OutgoingEmail.Kind.CUSTOMER)
        .order_by("-created_at", "-pk")
        .only("message_id", "references")
        .first()
    )
    if previous is None:
        return {}
    chain = [*previous.references.split(), previous.message_id]
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return {"In-Reply-To": previous.message_id, "References": " ".join(chain)}
