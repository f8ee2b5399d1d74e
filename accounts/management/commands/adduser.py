import getpass
import os

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import roles
from accounts.services import user_add_role, user_create


class Command(BaseCommand):
    help = (
        "Create a user with a role (support, management, qmb, process_manager, admin, telephony), or give "
        "an existing user one more role: a user may hold several roles and the rights add up "
        "(e.g. `adduser anna --role process_manager` for the support agent anna). A new user's password is "
        "read from DJANGO_USER_PASSWORD or asked for on the terminal; an existing user keeps the password "
        "unless --set-password is given (then it is read the same way)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=", ".join(roles.ACCOUNT_ROLES))
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--set-password",
            action="store_true",
            help="An existing user: set a new password as well (from DJANGO_USER_PASSWORD or the terminal).",
        )

    def handle(self, *args, username, role, email, first_name, last_name, set_password, **options):
        if role not in roles.ACCOUNT_ROLES:
            raise CommandError(f"Unknown role {role!r}; choose one of: {', '.join(roles.ACCOUNT_ROLES)}")
        existing = get_user_model().objects.filter(username__iexact=username).first()
        if existing is not None:
            return self.add_role(existing, role, set_password)
        password = self.password()
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

    def add_role(self, user, role, set_password):
        password = self.password() if set_password else None
        try:
            user_add_role(user=user, role=role, password=password)
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from error
        held = ", ".join(sorted(roles.role_names(type(user).objects.get(pk=user.pk))))
        kept = "password changed" if set_password else "password unchanged"
        self.stdout.write(
            self.style.SUCCESS(
                f"User {user.get_username()!r} exists: role {role} added ({kept}); roles: {held}."
            )
        )

    def password(self) -> str:
        return os.environ.get("DJANGO_USER_PASSWORD") or self.ask_password()

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
