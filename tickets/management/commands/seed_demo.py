"""Demo data for a development or test system: users per role, customers, known solutions, tickets in
every state.

Every record is made through the services, acting as the demo users, so the history is complete
and `manage.py verify_audit_trail` passes afterwards. Never meant for production: refused when
DEBUG is off unless --force is given.
"""

import datetime
import secrets
import string

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.services import user_create
from customers import services as customer_services
from customers.models import Customer
from instructions.demo import seed_work_instruction
from solutions import services as solution_services
from supportdesk.errors import Conflict, InvalidData
from tickets import services as ticket_services
from tickets.management.demo_data import CUSTOMERS, KNOWN_SOLUTIONS, TICKETS, USERS
from tickets.models import Ticket


def random_password() -> str:
    """Four groups of five letters and digits, e.g. 'kT7mq-Xa2Rz-…' (about 119 bits)."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "lI1O0o")
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


class Command(BaseCommand):
    help = (
        "Create demo users (one per role, random passwords printed once), customers, known solutions and "
        "tickets in every state, all through the services. For development and test systems only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when any user or ticket exists already (used by `make run`).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off. Never on a production system.",
        )

    def handle(self, *args, if_empty, force, **options):
        User = get_user_model()
        if if_empty and (User.objects.exists() or Ticket.objects.exists()):
            self.stdout.write(
                "Demo data exists (users or tickets found): nothing created. The demo passwords were "
                "printed at the first run; reset one with `python manage.py changepassword NAME`."
            )
            return
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refused: DEBUG is off, so this looks like a production system. seed_demo creates demo "
                "users and fictitious tickets; give --force only on a test system."
            )
        taken = User.objects.filter(username__in=[u[0] for u in USERS]).values_list("username", flat=True)
        if taken:
            raise CommandError(
                f"Demo users exist already ({', '.join(sorted(taken))}); nothing created. "
                "Use --if-empty, or reset a password with `python manage.py changepassword NAME`."
            )
        numbers = [c["data"]["customer_number"] for c in CUSTOMERS.values()]
        if Customer.objects.filter(customer_number__in=numbers).exists():
            raise CommandError("Demo customers exist already; nothing created.")

        try:
            with transaction.atomic():
                users, passwords = self.create_users()
                customers = self.create_customers(users["support"])
                solutions = self.create_solutions(users)
                # The work instruction in force (R21) before any ticket is logged under it.
                seed_work_instruction(
                    author=users["prozess"],
                    author_password=passwords["prozess"],
                    approver=users["qmb"],
                    approver_password=passwords["qmb"],
                )
                counts = self.create_tickets(users, passwords, customers, solutions)
        except (InvalidData, Conflict) as error:
            raise CommandError(f"A service refused a demo step, nothing created: {error}") from error
        self.print_summary(users, passwords, counts)

    def create_users(self):
        users, passwords = {}, {}
        for username, role, first_name, last_name in USERS:
            passwords[username] = random_password()
            users[username] = user_create(
                username=username,
                role=role,
                password=passwords[username],
                email=f"{username}@example.com",
                first_name=first_name,
                last_name=last_name,
            )
        return users, passwords

    def create_customers(self, by):
        customers = {}
        for key, spec in CUSTOMERS.items():
            customer = customer_services.customer_create(by=by, data=spec["data"])
            contacts = [
                customer_services.contact_create(customer_id=customer.pk, by=by, data=data)
                for data in spec["contacts"]
            ]
            customers[key] = (customer, contacts)
        return customers

    def create_solutions(self, users):
        solutions = {}
        for spec in KNOWN_SOLUTIONS:
            by = users[spec["by"]]
            solution = solution_services.solution_create(by=by, data=spec["data"])
            if "retire" in spec:
                solution = solution_services.solution_transition(
                    solution_id=solution.pk, name="retire", by=by, data={"reason": spec["retire"]}
                )
            solutions[spec["key"]] = solution
        return solutions

    def link_known_bugs(self, users, solutions, shared):
        """Support links each known bug to the program request SIC registered for it."""
        for spec in KNOWN_SOLUTIONS:
            if "program_request" in spec:
                solution_services.solution_update(
                    solution_id=solutions[spec["key"]].pk,
                    by=users[spec["by"]],
                    data={"program_request": shared[spec["program_request"][1:]]},
                )

    def create_tickets(self, users, passwords, customers, solutions):
        shared = {}
        for spec in TICKETS:
            customer, contacts = customers[spec["customer"]]
            contact = contacts[spec["contact"]]
            ticket = ticket_services.ticket_create(
                by=users[spec["by"]],
                data={
                    "customer": customer.pk,
                    "contact": contact.pk,
                    "caller_name": contact.name,
                    "caller_phone": contact.phone,
                    "summary": spec["summary"],
                    "description": spec["description"],
                    # Reports that came in days ago (a letter, an e-mail, a call logged late): the
                    # complaint trend on /reports/ then shows months, not one day.
                    "received_at": (
                        timezone.now() - datetime.timedelta(days=spec["received_days_ago"])
                    ).isoformat()
                    if "received_days_ago" in spec
                    else None,
                    "sanivision_version": spec.get("sanivision_version", ""),
                    "channel": spec.get("channel", "phone"),
                },
            )
            if "key" in spec:  # named for a later ticket's "duplicate_of": "#key"
                shared[f"#{spec['key']}"] = ticket.pk
            for kind, username, data in spec["steps"]:
                self.run_step(
                    ticket, kind, users[username], passwords[username], dict(data), shared, solutions
                )
        self.link_known_bugs(users, solutions, shared)
        return {
            "customers": len(customers),
            "tickets": len(TICKETS),
            "solutions": len(solutions),
        }

    def run_step(self, ticket, kind, by, password, data, shared, solutions):
        if kind == "note":
            ticket_services.ticket_add_call_note(ticket_id=ticket.pk, by=by, data=data)
        elif kind == "notify":
            ticket_services.ticket_add_notification(ticket_id=ticket.pk, by=by, data=data)
        elif kind == "complaint":
            ticket_services.ticket_evaluate_complaint(ticket_id=ticket.pk, by=by, data=data)
        elif kind == "sign":
            ticket_services.risk_review_sign(ticket_id=ticket.pk, by=by, data={**data, "password": password})
        else:
            if kind == "triage":  # a question or a hardware problem is no complaint about SaniVision
                data.setdefault("is_complaint", data["category"] == "software")
            share_as = data.pop("share_as", None)
            if str(data.get("duplicate_of", "")).startswith("#"):
                data["duplicate_of"] = shared[data["duplicate_of"]]
            if str(data.get("program_request", "")).startswith("@"):
                data["program_request"] = shared[data["program_request"][1:]]
            if "known_solution" in data:
                known = solutions[data["known_solution"][1:]]
                data["known_solution"] = known.pk
                data.setdefault("solution", known.solution)
            ticket = ticket_services.ticket_transition(ticket_id=ticket.pk, name=kind, by=by, data=data)
            if share_as:
                shared[share_as] = ticket.program_request_id

    def print_summary(self, users, passwords, counts):
        rows = [("User", "Role", "Name", "Password")]
        for username, role, *_ in USERS:
            rows.append((username, role, users[username].get_full_name(), passwords[username]))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
        out = self.stdout
        out.write(
            self.style.SUCCESS(
                f"Demo data created: {len(users)} users, {counts['customers']} customers, "
                f"{counts['tickets']} tickets in every state, {counts['solutions']} known solutions."
            )
        )
        out.write("")
        out.write("Demo users. The passwords are shown only this once; note them now.")
        out.write(line)
        for i, row in enumerate(rows):
            out.write("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")
            if i == 0:
                out.write(line)
        out.write(line)
        out.write("Forgot one? Set a new one with: python manage.py changepassword NAME")
