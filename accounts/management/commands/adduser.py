import getpass
import os

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import roles
from accounts.services import user_create


class Command(BaseCommand):
    help = (
        "Create a user with one role (support, management, qmb, admin, telephony). The password is read from "
        "DJANGO_USER_PASSWORD or asked for on the terminal."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=", ".join(roles.ACCOUNT_ROLES))
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, username, role, email, first_name, last_name, **options):
        if role not in roles.ACCOUNT_ROLES:
            raise CommandError(f"Unknown role {role!r}; choose one of: {', '.join(roles.ACCOUNT_ROLES)}")
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise CommandError(f"The user name {username!r} is taken.")
        password = os.environ.get("DJANGO_USER_PASSWORD") or self.ask_password()
        try:
            user_create(
                username=username,
                role=role,
                password=password,
                email=email,
                first_name=first_name,
                last_name=last_name,
            )
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"User {username!r} created with role {role}."))

    def ask_password(self) -> str:
        try:
            password = getpass.getpass("Password: ")
            again = getpass.getpass("Password (again): ")
        except (EOFError, KeyboardInterrupt) as error:
            raise CommandError("No password given (set DJANGO_USER_PASSWORD or type it).") from error
        if password != again:
            raise CommandError("The passwords do not match.")
        if not password:
            raise CommandError("The password must not be empty.")
        return password
