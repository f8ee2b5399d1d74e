"""python manage.py sign_validation_report [FOLDER] --by USERNAME

The QMB signs a validation report (tools/validation_report.py, `make validation-report`) as reviewed:
the password is re-entered (DJANGO_USER_PASSWORD or asked on the terminal), and a ValidationRecord
keeps the commit, the figures, the configuration the run recorded, who ran it and the SHA-256 of the
report's PDF and HTML, so the ISO 13485 §4.1.6 validation record is complete.
"""

import getpass
import hashlib
import json
import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from instructions import services
from supportdesk.errors import InvalidData

DEFAULT_FOLDER = Path("validation-report")


def digest(*paths: Path) -> str:
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.read_bytes())
    return sha.hexdigest()


class Command(BaseCommand):
    help = "Sign a validation report as reviewed (QMB, password re-entered)."

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
        parser.add_argument("--by", required=True, help="the QMB's username")

    def handle(self, *args, folder: Path, by: str, **options):
        record_file, pdf = folder / "test-results.json", folder / "validation-report.pdf"
        html = folder / "validation-report.html"
        missing = [str(path) for path in (record_file, pdf, html) if not path.is_file()]
        if missing:
            raise CommandError(f"No validation report in {folder}: missing {', '.join(missing)}")
        try:
            run = json.loads(record_file.read_text(encoding="utf-8"))
            summary = run["summary"]
        except (ValueError, KeyError, UnicodeDecodeError) as error:
            raise CommandError(
                f"{record_file} is no record of tools/validation_report.py ({error})"
            ) from None
        user = get_user_model().objects.filter(username=by, is_active=True).first()
        if user is None:
            raise CommandError(f"Unknown or inactive user {by!r}")
        password = os.environ.get("DJANGO_USER_PASSWORD") or getpass.getpass(
            f"Password of {by} (signature): "
        )
        version = run.get("version") or {}
        facts = {
            "commit": version.get("commit", "unknown"),
            "dirty": bool(version.get("dirty")),
            "verdict": summary["verdict"][:1000],
            "validated": bool(summary["ok"]),
            "rules_validated": summary["rules_validated"],
            "rules_total": summary["rules_total"],
            "tests_passed": summary["passed"],
            "tests_failed": summary["failed"],
            "configuration": json.dumps(run.get("configuration", {}), ensure_ascii=False, sort_keys=True),
            "run_by": str(run.get("run_by", ""))[:150],
            "report_sha256": digest(pdf, html),
            "report_name": str(pdf)[:300],
        }
        try:
            record = services.validation_sign(by=user, facts=facts, data={"password": password})
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        except InvalidData as invalid:
            raise CommandError(" ".join(invalid.form.errors.get("password", ["invalid"]))) from None
        self.stdout.write(
            f"Validation record {record.pk}: {facts['commit'][:12]} ({facts['verdict']}) "
            f"reviewed and signed by {record.signer_name} at {record.signed_at:%Y-%m-%d %H:%M %Z}; "
            f"report sha256 {facts['report_sha256']}"
        )
