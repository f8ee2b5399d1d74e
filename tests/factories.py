"""Test data: users per role, customers, and tickets walked through the real services to any state."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from customers.models import Contact, Customer
from tickets import services
from tickets.models import NotificationKind, State

PASSWORD = "Sup-Desk-Test-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password(PASSWORD)


def user_with_role(role: str, **kwargs):
    if role == roles.ADMIN:
        return UserFactory(is_staff=True, is_superuser=True, **kwargs)
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=role))
    return user


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    customer_number = factory.Sequence(lambda n: f"K{10000 + n}")
    name = factory.Sequence(lambda n: f"Sanitätshaus Nummer {n} GmbH")
    city = "Düsseldorf"
    phone = factory.Sequence(lambda n: f"0211 {1000000 + n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name", locale="de_DE")
    phone = factory.Sequence(lambda n: f"0170 {2000000 + n}")


def tomorrow():
    return timezone.localdate() + datetime.timedelta(days=1)


def create_ticket(by, customer=None, assign=True, **overrides):
    customer = customer or CustomerFactory()
    data = {
        "customer": customer.pk,
        "caller_name": "Frau Beispiel",
        "caller_phone": "0211 555123",
        "summary": "Rezeptdruck bricht ab",
        "description": "Beim Drucken eines Kassenrezepts erscheint Fehler 4711 und der Druck bricht ab.",
        **overrides,
    }
    return services.ticket_create(by=by, data=data, assign=assign)


# Data each transition needs to succeed (DESIGN §4).
def transition_data(name: str, ticket=None) -> dict:
    if name == "close_as_duplicate":  # the ticket that carries the case: another of its customer
        other = create_ticket(ticket.taken_by, customer=ticket.customer, summary="Rezeptdruck bricht ab (1)")
        return {
            "duplicate_of": other.pk,
            "reason": "Gleicher Anruf, gleiches Problem wie der andere Vorgang.",
        }
    return {
        "triage": {"category": "software", "risk_relevant": False, "is_complaint": False},
        "fix_immediately": {
            "resolution_kind": "vendor_solution"
            if ticket and ticket.state == State.ESCALATED
            else "user_error",
            "solution": "Druckertreiber im Arbeitsplatz-Setup neu zugewiesen.",
        },
        "escalate": {
            "problem_description": "Fehler 4711 reproduzierbar bei jedem Kassenrezept seit Update 12.3.",
            "vendor_contact_summary": "Mit SIC-Hotline besprochen, Fehler bekannt.",
            "vendor_reference": "SIC-4711",
        },
        "register_program_request": {
            "kind": "complaint",
            "vendor_reference": "PW-2026-17",
            "follow_up_date": tomorrow().isoformat(),
        },
        "follow_up": {"note": "SIC: Umsetzung in Arbeit.", "next_follow_up_date": tomorrow().isoformat()},
        "reject": {"justification": "Kein Softwarefehler, Verhalten entspricht der Spezifikation."},
        "realize": {"release": "12.4"},
        "close": {},
        "flag_risk": {"risk_description": "Falsche Hilfsmittelmenge könnte an Patienten ausgegeben werden."},
        "reopen": {"reason": "Kunde meldet, dass der Fehler wieder auftritt."},
    }[name]


# A shortest path of transitions from intake to each state.
PATH_TO = {
    State.INTAKE: [],
    State.TRIAGE: ["triage"],
    State.IMMEDIATE_FIX: ["triage", "fix_immediately"],
    State.ESCALATED: ["triage", "escalate"],
    State.PROGRAM_REQUEST: ["triage", "escalate", "register_program_request"],
    State.REJECTED: ["triage", "escalate", "register_program_request", "reject"],
    State.REALIZED: ["triage", "escalate", "register_program_request", "realize"],
    State.CLOSED: ["triage", "fix_immediately", "close"],
}

NOTIFY_BEFORE_CLOSE = {
    State.IMMEDIATE_FIX: None,  # fix_immediately from triage records the notification itself
    State.REJECTED: NotificationKind.REJECTION_EXPLAINED,
    State.REALIZED: NotificationKind.REALIZED,
}


def run(ticket, name, by, **data):
    return services.ticket_transition(
        ticket_id=ticket.pk, name=name, by=by, data=data or transition_data(name, ticket)
    )


def notify(ticket, kind, by):
    return services.ticket_add_notification(
        ticket_id=ticket.pk, by=by, data={"kind": kind, "channel": "phone", "note": "Kunde informiert."}
    )


def ticket_in_state(state, by, **create_kwargs):
    ticket = create_ticket(by, **create_kwargs)
    for name in PATH_TO[state]:
        ticket = run(ticket, name, by)
    return ticket
