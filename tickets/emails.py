"""Every e-mail tickets writes: to management about a risk-relevant event, to the customer about a
ticket (a draft from a German template per notification kind, edited before sending). Sent by
tickets.services."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _


def risk_review_requested(review, recipients: list[str]) -> EmailMessage:
    context = {"review": review, "ticket": review.ticket, "site_url": settings.SITE_URL}
    return EmailMessage(
        subject=render_to_string("tickets/email/risk_review_requested_subject.txt", context).strip(),
        body=render_to_string("tickets/email/risk_review_requested_body.txt", context),
        to=recipients,
    )


def customer_email_draft(*, ticket, kind: str, by) -> dict:
    """The German draft for a notification kind (tickets/email/customer_<kind>.txt), to be edited."""
    contact = ticket.contact if ticket.contact and ticket.contact.email else None
    context = {"ticket": ticket, "contact": contact, "sender": by, "program_request": ticket.program_request}
    with translation.override("de"):  # the customer is written to in German, whatever the UI language
        return {
            "kind": kind,
            "to": contact.email if contact else ticket.customer.email,
            "subject": _("Ihr Support-Vorgang %(number)s: %(summary)s")
            % {"number": ticket.number, "summary": ticket.summary},
            "body": render_to_string(f"tickets/email/customer_{kind}.txt", context).strip() + "\n",
        }


def to_customer(fields: dict) -> EmailMessage:
    """The (edited) mail to the customer: `to`, `subject`, `body`."""
    return EmailMessage(subject=fields["subject"], body=fields["body"], to=[fields["to"]])
