"""pytest plugin: record each test's rule ids (@pytest.mark.req("R…")) and its outcome as JSON.

Active only with ``--req-report=PATH`` (or the environment variable SUPPORTDESK_REQ_REPORT=PATH).
``tools/validation_report.py`` runs the suite with it and turns the JSON into the validation
report (ISO 13485 §4.1.6). Registered in tests/conftest.py through ``pytest_plugins``.

The JSON: ``{"format": 1, "exitstatus", "started", "finished", "args", "environment", "database",
"tests": [{"nodeid", "reqs", "outcome", "message", "duration", "postgres_only", "browser"}],
"collection_errors": [{"nodeid", "message"}]}``; ``outcome`` is passed, failed, skipped,
deselected (e.g. a PostgreSQL-only test on SQLite) or "not run" (the run was interrupted).
An error in a test's setup or teardown counts as failed.
"""

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import pytest

ENV_VAR = "SUPPORTDESK_REQ_REPORT"
FORMAT = 1
MESSAGE_MAX = 500


def pytest_addoption(parser):
    parser.getgroup("supportdesk").addoption(
        "--req-report",
        metavar="PATH",
        default=None,
        help=f"write each test's req markers and outcome to PATH as JSON (or set {ENV_VAR})",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "req(rule_id): the test proves a rule of DESIGN.md §4 (R1–R14)")
    path = config.getoption("req_report") or os.environ.get(ENV_VAR)
    if path:
        config.pluginmanager.register(RequirementRecorder(Path(path)), "supportdesk-req-recorder")


def rule_ids(item) -> list[str]:
    """Every rule id on the test, its class and its module, in order and without repeats."""
    found = []
    for marker in item.iter_markers("req"):
        for rule_id in marker.args:
            if str(rule_id) not in found:
                found.append(str(rule_id))
    return sorted(found, key=rule_sort_key)


def rule_sort_key(rule_id: str):
    digits = rule_id.lstrip("Rr")
    return (0, int(digits), "") if digits.isdigit() else (1, 0, rule_id)


def short_message(report) -> str:
    """The one line a reader needs: the skip reason or the failure's crash message."""
    longrepr = report.longrepr
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple):  # a skip: (path, line, reason)
        text = str(longrepr[2]).removeprefix("Skipped: ")
    else:
        crash = getattr(longrepr, "reprcrash", None)
        text = crash.message if crash is not None else str(longrepr).strip().splitlines()[-1]
    if report.when != "call":
        text = f"error in {report.when}: {text}"
    return text[:MESSAGE_MAX]


def database_info() -> dict:
    """Engine and server version of the database the tests ran on (the test database)."""
    from django.db import connection

    info = {"vendor": connection.vendor, "engine": connection.display_name}
    if connection.vendor == "postgresql":
        number = connection.pg_version
        info["version"] = f"{number // 10000}.{number % 10000}"
    elif connection.vendor == "sqlite":
        info["version"] = connection.Database.sqlite_version
    else:
        info["version"] = "unknown"
    info["name"] = str(connection.settings_dict.get("NAME") or "")
    return info


def environment_info() -> dict:
    info = {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "pytest": pytest.__version__,
        "platform": platform.platform(),
    }
    try:
        import django

        info["django"] = django.get_version()
    except ImportError:  # pragma: no cover - the project always has Django
        info["django"] = "not installed"
    return info


class RequirementRecorder:
    def __init__(self, path: Path):
        self.path = path
        self.started = datetime.now(UTC)
        self.tests: dict[str, dict] = {}
        self.collection_errors: list[dict] = []
        self.database: dict | None = None

    def entry(self, item) -> dict:
        return {
            "nodeid": item.nodeid,
            "reqs": rule_ids(item),
            "outcome": "deselected",
            "message": "",
            "duration": 0.0,
            "postgres_only": item.get_closest_marker("postgres_only") is not None,
            "browser": item.get_closest_marker("browser") is not None,
        }

    def pytest_deselected(self, items):
        for item in items:
            self.tests[item.nodeid] = self.entry(item)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.tests[item.nodeid] = {**self.entry(item), "outcome": "not run"}

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item, nextitem):
        """Ask the test database for its version while it still exists (before fixture teardown)."""
        if self.database is None and "django_db_setup" in getattr(item, "fixturenames", ()):
            try:
                self.database = database_info()
            except Exception as error:  # never let the report break a test run
                self.database = {"vendor": "unknown", "engine": "unknown", "version": repr(error)}

    def pytest_runtest_logreport(self, report):
        test = self.tests.get(report.nodeid)
        if test is None:
            return
        test["duration"] += report.duration
        if report.failed:
            if test["outcome"] != "failed":
                test["outcome"], test["message"] = "failed", short_message(report)
        elif report.skipped and test["outcome"] == "not run":
            reason = getattr(report, "wasxfail", None)
            test["outcome"] = "skipped"
            test["message"] = f"expected failure: {reason}" if reason is not None else short_message(report)
        elif report.passed and report.when == "call" and test["outcome"] == "not run":
            test["outcome"] = "passed"

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append(
                {"nodeid": report.nodeid, "message": str(report.longrepr).strip()[-2000:]}
            )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus):
        report = {
            "format": FORMAT,
            "exitstatus": int(exitstatus),
            "started": self.started.isoformat(),
            "finished": datetime.now(UTC).isoformat(),
            "args": [str(arg) for arg in session.config.invocation_params.args],
            "environment": environment_info(),
            "database": self.database or self.database_without_tests(),
            "tests": list(self.tests.values()),
            "collection_errors": self.collection_errors,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".part")
        partial.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
        partial.replace(self.path)

    @staticmethod
    def database_without_tests() -> dict:
        """No test used the database: name the configured engine without connecting."""
        try:
            from django.conf import settings

            if settings.configured:
                engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
                return {"vendor": engine, "engine": engine, "version": "unknown (no test used the database)"}
        except Exception:
            pass
        return {"vendor": "none", "engine": "none", "version": "no test used a database"}
