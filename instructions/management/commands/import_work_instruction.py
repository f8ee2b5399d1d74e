"""python manage.py import_work_instruction FILE --author USERNAME [--change-summary TEXT] [--title TEXT]

Starts a draft of the work instruction from the company's text (a UTF-8 text or Markdown file): the
first draft, or a new draft beside the revision in force. The author (a process manager) then signs
it on /work-instruction/ with the password, and the QMB approves it (R21).
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from instructions import selectors, services
from supportdesk.errors import Conflict, InvalidData


class Command(BaseCommand):
    help = "Import a UTF-8 text or Markdown file as a new draft of the work instruction (R21)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the work instruction's text (UTF-8, .txt or .md)")
        parser.add_argument("--author", required=True, help="username of the process manager drafting it")
        parser.add_argument("--change-summary", default="", help="what changed (the change history's text)")
        parser.add_argument("--title", default="", help="title (default: that of the revision in force)")

    def handle(self, *args, file: Path, author: str, change_summary: str, title: str, **options):
        try:
            text = file.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except IsADirectoryError:
            raise CommandError(f"{file} is a folder, not a file") from None
        except OSError as error:
            raise CommandError(f"{file} cannot be read: {error.strerror or error}") from None
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{file} is not UTF-8 text (byte {error.start}); save it as UTF-8 and try again"
            ) from None
        user = get_user_model().objects.filter(username=author, is_active=True).first()
        if user is None:
            raise CommandError(f"Unknown or inactive user {author!r}")
        in_force = selectors.revision_in_force()
        if not change_summary:
            change_summary = (
                f"Neue Fassung aus {file.name} (bisher Rev. {in_force.number})"
                if in_force
                else f"Erste Ausgabe, übernommen aus {file.name}"
            )
        data = {"text": text, "change_summary": change_summary, "title": title}
        try:
            revision = services.revision_create(by=user, data=data)
        except PermissionDenied as error:
            raise CommandError(f"{author} may not draft the work instruction: {error}") from None
        except InvalidData as invalid:
            problems = "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in invalid.form.errors.items()
            )
            raise CommandError(f"The draft was refused: {problems}") from None
        except Conflict as conflict:
            raise CommandError(str(conflict.message)) from None
        self.stdout.write(
            f"Draft Rev. {revision.number} created from {file} ({len(text):,} characters), "
            f"author {author}"
            + (f"; Rev. {in_force.number} stays in force until this one is approved." if in_force else ".")
        )
        self.stdout.write(
            f"Next: {author} signs it as author, then the QMB approves it (/work-instruction/{revision.pk}/)."
        )
        return None
