"""Validation report (ISO 13485 §4.1.6): every rule of DESIGN §4 with the tests that prove it.

    .venv/bin/python tools/validation_report.py [--by USERNAME] [pytest arguments]  # `make validation-report`
    .venv/bin/python tools/validation_report.py --from-json results.json  # render an earlier run again
    .venv/bin/python manage.py sign_validation_report validation-report --by QMB_USERNAME  # the review

Runs the whole test suite on the database of DATABASE_URL with the plugin tests/req_report.py, which
records each test's rule ids (@pytest.mark.req("R…")) and outcome, then writes into validation-report/:
validation-report.html, validation-report.pdf (the same content), test-results.json (the raw record)
and pytest-output.txt (the run's console output).

The report records the configuration it validates: the settings as the shell's DJANGO_* variables
make them (DEBUG, database, static files storage, …; read by a separate process, since the tests
override what they need, tests/conftest.py), the versions, the git commit, and who ran it (`--by`,
else the OS user). The QMB signs it as reviewed with the password re-entered (a ValidationRecord
with the report's SHA-256).

A rule without at least one passing test is a GAP. The exit status is 0 only when every rule has a
passing test, no test failed and pytest itself succeeded; otherwise 1.
"""

import argparse
import getpass
import hashlib
import html
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DESIGN = ROOT.parent / "shared" / "DESIGN.md"
OUTPUT = ROOT / "validation-report"
BERLIN = ZoneInfo("Europe/Berlin")
TITLE = "supportdesk - validation report"

# DESIGN §4 as of 2026-12-02 (R1-R22): used only when DESIGN.md cannot be read (the report says so).
RULES_COPY = [
    ("R1", "A transition not allowed from the current state is refused; nothing changes."),
    (
        "R2",
        "`close` needs a `CustomerNotification` made at or after the moment the ticket entered its "
        "current state, of the kind that fits it: solution (immediate_fix), rejection_explained "
        "(rejected), realized (realized). Same-state transitions (`follow_up`, `flag_risk`) do not "
        "move that moment.",
    ),
    (
        "R3",
        "A risk-relevant ticket cannot be closed while any of its `RiskReview`s is unsigned.",
    ),
    (
        "R4",
        "Every transition validates its required data (§4 table): a rejection needs a justification "
        "of at least 10 non-blank characters; `follow_up_date` is today or later and "
        "`next_follow_up_date` after today; `vendor_solution` only from `escalated` (a data error: "
        "400).",
    ),
    (
        "R5",
        "A program request shared by several tickets: realizing or rejecting the `ProgramRequest` "
        "moves every linked ticket that is in `program_request`, each with its own history row, and "
        "lists the customers who must now be informed.",
    ),
    (
        "R6",
        "Two people acting on the same ticket at once: exactly one transition wins, the other gets a "
        "clear conflict message; no update is lost. A transition request may carry `expected_state` "
        "(the state the person saw); if the ticket is no longer in it, 409. Ticket numbers stay "
        "unique and gap-free under concurrent intake.",
    ),
    (
        "R7",
        "Nothing is ever hard-deleted: not tickets, customers, notes, notifications, reviews, nor any"
        " history row. Foreign keys to case data use PROTECT.",
    ),
    (
        "R8",
        "Roles are enforced on the server exactly as §5 says, for every page and endpoint.",
    ),
    (
        "R9",
        "Every change to case data leaves a history row with the user, the time, old and new values, "
        "and a reason; a transition's reason is its name. Initial values are recorded at creation.",
    ),
    (
        "R10",
        "History rows are append-only; on PostgreSQL the database refuses UPDATE and DELETE on them.",
    ),
    (
        "R11",
        "The audit trail is tamper-evident: one hash chain per object, each row's hash covering all "
        "its fields and the previous row's hash; the live row keeps the head of its chain, so a "
        "removed last row is detected too. `verify_audit_trail` exits 0 when every chain verifies, "
        "otherwise non-zero naming the first bad row.",
    ),
    (
        "R12",
        "A risk review is signed only by a management user who re-enters the password; the signature "
        "shows printed name, time and meaning; a signed review is never changed.",
    ),
    ("R13", "Sign-in events (login, logout, failed login) are recorded."),
    (
        "R14",
        "Bad input anywhere gets a clear error (form error, 400 with field errors, 409 for a state "
        "conflict); never a 500, and nothing already saved is lost. A change that was committed "
        "always answers with success, whatever else happens in the request. A page that refuses a "
        "write (conflict or bad data) shows the form again with everything the person typed.",
    ),
    (
        "R15",
        "`close` needs a complaint evaluation (§10.1): whether the report is a complaint about the "
        "product, and for a complaint either the investigation's findings or a justified decision not"
        " to investigate, with who decided and when.",
    ),
    (
        "R16",
        "Attachments are evidence: a file's content is never replaced or deleted; its SHA-256 is part"
        " of the audited record, and `verify_audit_trail` re-reads every stored file and names any "
        "whose content no longer matches or is missing. A wrong upload is withdrawn with a reason: "
        "hidden from the default list, kept.",
    ),
    (
        "R17",
        "No message is lost or sent twice. Every e-mail the system sends is written to the outbox in "
        "the same transaction as the event that causes it and delivered afterwards, with retries; "
        "several senders at once never send one outbox entry twice. An incoming e-mail is processed "
        "once per Message-ID. A customer e-mail counts for R2 only once the mail server accepted it.",
    ),
    (
        "R18",
        "Sign-in is protected: after 5 failed attempts for one username within 15 minutes, every "
        "further attempt for it (form, token, signature password) is refused for 15 minutes whatever "
        "the password (API: 429), and each refusal is recorded (R13). A session ends after 30 minutes"
        " without activity; an API token stops working 8 hours after it was issued. (Settings: "
        "`SUPPORTDESK_LOGIN_ATTEMPTS` 5, `SUPPORTDESK_LOCKOUT_SECONDS` 900, "
        "`SUPPORTDESK_SESSION_IDLE_SECONDS` 1800, `SUPPORTDESK_TOKEN_SECONDS` 28800.)",
    ),
    (
        "R19",
        "Tamper evidence covers the live rows and the event logs too: `verify_audit_trail` also "
        "checks that every live row's values equal its newest history row, and sign-in and export "
        "events are hash-chained; on PostgreSQL, history and event tables refuse TRUNCATE as well.",
    ),
    (
        "R20",
        "A correction of recorded facts (editing a ticket, customer, contact, program request plan) "
        "states its reason; the reason is the history row's reason.",
    ),
    (
        "R21",
        "A revision of the work instruction is in force only when signed by its author (process "
        'manager, meaning "authored") and then by the QMB (meaning "approved"), each re-entering the '
        "password; exactly one revision is in force at a time; every ticket records the revision in "
        "force when it was logged.",
    ),
    (
        "R22",
        "A process CAPA is decided only by management, signing with the password re-entered (meaning "
        '"decision"), after which the process manager records its implementation and the '
        "effectiveness check; a risk review decided `capa` opens a CAPA proposal linked to its "
        "ticket.",
    ),
]

RULE_ROW = re.compile(r"^\|\s*(R\d+)\s*\|\s*(.*?)\s*\|\s*$")
RULE_TABLE_HEADER = re.compile(r"^\|\s*ID\s*\|\s*rule\s*\|", re.IGNORECASE)

VALIDATED, FAILED, GAP = "validated", "FAILED", "GAP"


@dataclass
class Rule:
    id: str
    text: str


@dataclass
class RuleResult:
    rule: Rule
    tests: list[dict] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for test in self.tests if test["outcome"] == outcome)

    @property
    def status(self) -> str:
        if not self.count("passed"):
            return GAP
        return FAILED if self.count("failed") else VALIDATED

    @property
    def why(self) -> str:
        if self.status == VALIDATED:
            return f"{self.count('passed')} passing test(s)"
        if self.status == FAILED:
            return f"{self.count('failed')} of {len(self.tests)} test(s) failed"
        if not self.tests:
            return "no test carries this rule id"
        return "no passing test: " + ", ".join(
            f"{self.count(outcome)} {outcome}"
            for outcome in ("failed", "skipped", "deselected", "not run")
            if self.count(outcome)
        )


@dataclass
class Report:
    rules: list[RuleResult]
    rules_source: str
    run: dict
    version: dict
    generated: datetime
    unknown: dict[str, list[str]]

    @property
    def gaps(self) -> list[str]:
        return [result.rule.id for result in self.rules if result.status == GAP]

    @property
    def failed_rules(self) -> list[str]:
        return [result.rule.id for result in self.rules if result.status == FAILED]

    def total(self, outcome: str | None = None) -> int:
        return sum(1 for test in self.run["tests"] if outcome is None or test["outcome"] == outcome)

    @property
    def without_rule(self) -> int:
        return sum(1 for test in self.run["tests"] if not test["reqs"])

    @property
    def ok(self) -> bool:
        return (
            not self.gaps
            and not self.failed_rules
            and not self.total("failed")
            and not self.run["collection_errors"]
            and self.run["exitstatus"] == 0
        )

    @property
    def verdict(self) -> str:
        if self.ok:
            return f"VALIDATED: all {len(self.rules)} rules have passing tests; no test failed."
        problems = []
        if self.gaps:
            problems.append("gaps " + ", ".join(self.gaps))
        if self.failed_rules:
            problems.append("failing tests for " + ", ".join(self.failed_rules))
        if self.total("failed"):
            problems.append(f"{self.total('failed')} failed test(s)")
        if self.run["collection_errors"]:
            problems.append(f"{len(self.run['collection_errors'])} collection error(s)")
        if self.run["exitstatus"] != 0:
            problems.append(f"pytest exit status {self.run['exitstatus']}")
        return "NOT VALIDATED: " + "; ".join(problems) + "."


# --- inputs ---------------------------------------------------------------------------------


def parse_rules(markdown: str) -> list[Rule]:
    """The rows of the first `| ID | rule |` table (DESIGN §4)."""
    rules, in_table = [], False
    for line in markdown.splitlines():
        if not in_table:
            in_table = bool(RULE_TABLE_HEADER.match(line))
            continue
        if not line.startswith("|"):
            break
        match = RULE_ROW.match(line)
        if match:
            rules.append(Rule(*match.groups()))
    return rules


def load_rules(design: Path = DESIGN) -> tuple[list[Rule], str]:
    """The rules parsed from DESIGN.md, or the copy above with a note saying why."""
    try:
        text = design.read_text(encoding="utf-8")
    except OSError as error:
        reason = f"{design} could not be read ({error.strerror or error})"
    else:
        rules = parse_rules(text)
        if rules:
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
            return rules, f"parsed from {display_path(design)} §4 (sha256 {digest})"
        reason = f"no rule table (| ID | rule |) found in {design}"
    copy = [Rule(rule_id, text) for rule_id, text in RULES_COPY]
    return copy, f"NOTE: {reason}; rule texts taken from the copy in tools/validation_report.py"


def display_path(path: Path) -> str:
    """The path as seen from the repository (../shared/DESIGN.md)."""
    return os.path.relpath(path.resolve(), ROOT)


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()


def git_version() -> dict:
    """The commit under test; "dirty" when the checkout has uncommitted or untracked changes."""
    try:
        commit = git("rev-parse", "HEAD")
        changed = [line for line in git("status", "--porcelain").splitlines() if line.strip()]
        subject = git("log", "-1", "--format=%cI %s")
    except (OSError, subprocess.SubprocessError) as error:
        return {"commit": "unknown", "dirty": None, "text": f"unknown (git: {error})", "changed": 0}
    dirty = bool(changed)
    text = commit + (f" (dirty: {len(changed)} uncommitted change(s))" if dirty else " (clean)")
    return {"commit": commit, "dirty": dirty, "text": text, "subject": subject, "changed": len(changed)}


def build_report(rules: list[Rule], rules_source: str, run: dict, version: dict) -> Report:
    results = {rule.id: RuleResult(rule) for rule in rules}
    unknown: dict[str, list[str]] = {}
    for test in run["tests"]:
        for rule_id in test["reqs"]:
            if rule_id in results:
                results[rule_id].tests.append(test)
            else:
                unknown.setdefault(rule_id, []).append(test["nodeid"])
    return Report(
        rules=list(results.values()),
        rules_source=rules_source,
        run=run,
        version=version,
        generated=datetime.now(BERLIN),
        unknown=unknown,
    )


def berlin(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(BERLIN).strftime("%Y-%m-%d %H:%M:%S %Z")


def facts(report: Report) -> list[tuple[str, str]]:
    """The header of the report: what was tested, where and when."""
    env, db, run = report.run["environment"], report.run["database"], report.run
    database = f"{db['engine']} {db['version']}"
    if db.get("name") and db["vendor"] == "postgresql":
        database += f" (test database {db['name']})"
    started, finished = datetime.fromisoformat(run["started"]), datetime.fromisoformat(run["finished"])
    return [
        ("Version (git commit)", report.version["text"]),
        ("Last commit", report.version.get("subject", "")),
        ("Report generated", report.generated.strftime("%Y-%m-%d %H:%M:%S %Z")),
        (
            "Test run",
            f"{berlin(run['started'])} to {berlin(run['finished'])}"
            f" ({(finished - started).total_seconds():.0f} s)",
        ),
        ("Python", env["python"]),
        ("Django", env["django"]),
        ("pytest", env["pytest"]),
        ("Database", database),
        ("Platform", env["platform"]),
        (
            "pytest arguments",
            " ".join(arg for arg in run["args"] if not arg.startswith("--req-report")) or "(none)",
        ),
        ("pytest exit status", str(run["exitstatus"])),
        ("Rules", report.rules_source),
        ("Run by", run.get("run_by") or "not recorded"),
        *configuration_rows(run.get("configuration")),
        ("Review signature", SIGN_HINT),
    ]


SIGN_HINT = (
    "not signed in this file: the QMB signs the report as reviewed with "
    "`python manage.py sign_validation_report validation-report --by USERNAME` (password re-entered; "
    "the record keeps this report's SHA-256)"
)

# What the shell's settings are, read by a separate process (the tests override what they need):
# the configuration under validation, as production would run with these variables.
CONFIGURATION_PROBE = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
try:
    import django
    from django.conf import settings
    django.setup()
    db = settings.DATABASES["default"]
    print(json.dumps({
        "settings_module": os.environ["DJANGO_SETTINGS_MODULE"],
        "debug": settings.DEBUG,
        "database_vendor": db["ENGINE"].rsplit(".", 1)[-1],
        "database_name": str(db.get("NAME") or ""),
        "staticfiles_storage": settings.STORAGES["staticfiles"]["BACKEND"],
        "allowed_hosts": list(settings.ALLOWED_HOSTS),
        "secure_ssl_redirect": settings.SECURE_SSL_REDIRECT,
        "secret_key": "set" if os.environ.get("DJANGO_SECRET_KEY") else "development key",
        "environment": sorted(k for k in os.environ if k.startswith(("DJANGO_", "SUPPORTDESK_"))),
    }))
except Exception as error:
    print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
"""


def shell_configuration() -> dict:
    """The settings as the shell's DJANGO_* variables make them (never secrets' values)."""
    try:
        finished = subprocess.run(
            [sys.executable, "-c", CONFIGURATION_PROBE],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return json.loads(finished.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as error:
        return {"error": f"the settings could not be read: {error}"}


def configuration_rows(config: dict | None) -> list[tuple[str, str]]:
    if not config:
        return [("Configuration", "not recorded")]
    if "error" in config:
        return [("Configuration", config["error"])]
    return [
        ("Configuration: DEBUG", str(config["debug"])),
        ("Configuration: settings", config["settings_module"]),
        ("Configuration: database", f"{config['database_vendor']} {config['database_name']}".strip()),
        ("Configuration: static files", config["staticfiles_storage"]),
        ("Configuration: allowed hosts", ", ".join(config["allowed_hosts"]) or "(none)"),
        ("Configuration: HTTPS redirect", str(config["secure_ssl_redirect"])),
        ("Configuration: secret key", config["secret_key"]),
        ("Configuration: variables set", ", ".join(config["environment"]) or "(none)"),
        (
            "Configuration: tests",
            "the test settings use the plain static-files storage and no HTTPS redirect "
            "(tests/conftest.py); everything else as configured",
        ),
    ]


def summary(report: Report) -> dict:
    """The figures a signed validation record keeps (instructions.ValidationRecord)."""
    return {
        "ok": report.ok,
        "verdict": report.verdict,
        "rules_total": len(report.rules),
        "rules_validated": sum(1 for result in report.rules if result.status == VALIDATED),
        "gaps": report.gaps,
        "passed": report.total("passed"),
        "failed": report.total("failed"),
    }


def totals(report: Report) -> list[tuple[str, str]]:
    validated = sum(1 for result in report.rules if result.status == VALIDATED)
    return [
        ("Rules validated", f"{validated} of {len(report.rules)}"),
        ("Gaps (no passing test)", ", ".join(report.gaps) or "none"),
        ("Rules with failing tests", ", ".join(report.failed_rules) or "none"),
        ("Tests collected", str(report.total())),
        ("passed", str(report.total("passed"))),
        ("failed", str(report.total("failed"))),
        ("skipped", str(report.total("skipped"))),
        ("deselected (not run on this database)", str(report.total("deselected"))),
        ("Tests without a rule id", str(report.without_rule)),
    ]


def note(test: dict) -> str:
    if test["outcome"] == "deselected" and test.get("postgres_only"):
        return "PostgreSQL only: not run on this database"
    return test.get("message") or ""


# --- HTML -----------------------------------------------------------------------------------

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1d2530; max-width: 70rem; margin: 2rem auto;
       padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; font-size: 1.2rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid #d7dce2; }
th { background: #f1f3f6; } table.facts th { width: 16rem; }
code { font-size: .92em; background: #f1f3f6; padding: 0 .2em; border-radius: 3px; }
.verdict { padding: .7rem 1rem; border-radius: 4px; font-weight: 600; }
.ok { background: #e3f4e8; color: #14532d; } .bad { background: #fde7e7; color: #7f1d1d; }
.status { font-weight: 700; white-space: nowrap; }
.status.validated, .status.passed { color: #15803d; }
.status.GAP, .status.FAILED, .status.failed { color: #b91c1c; }
.status.skipped, .status.deselected, .status.not-run { color: #92400e; }
section.rule { border: 1px solid #d7dce2; border-radius: 4px; padding: .2rem 1rem .4rem; margin: 1rem 0; }
section.rule.GAP, section.rule.FAILED { border-color: #b91c1c; border-width: 2px; }
.muted { color: #5b6673; font-size: .9em; }
td.test { font-family: ui-monospace, monospace; font-size: .85em; }
@media print { body { margin: 0; max-width: none; } section.rule { break-inside: avoid; } }
"""


def esc(text) -> str:
    return html.escape(str(text))


def inline_markdown(text: str) -> str:
    """Escape, then `code` spans as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", esc(text))


def css_class(outcome: str) -> str:
    return outcome.replace(" ", "-")


def render_html(report: Report) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(TITLE)}</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(TITLE)}</h1>",
        '<p class="muted">ISO 13485 §4.1.6: validation of software used in the quality management '
        "system. Every rule of DESIGN §4 with the automated tests that carry its id "
        "(<code>@pytest.mark.req(&quot;R…&quot;)</code>) and their result in this run.</p>",
        f'<p class="verdict {"ok" if report.ok else "bad"}">{esc(report.verdict)}</p>',
        "<h2>Version and environment</h2>",
        key_value_table(facts(report)),
        "<h2>Totals</h2>",
        key_value_table(totals(report)),
        "<h2>Rules</h2>",
        "<table><tr><th>Rule</th><th>Status</th><th>passed</th><th>failed</th><th>skipped</th>"
        "<th>not run</th><th>Text</th></tr>",
    ]
    for result in report.rules:
        not_run = result.count("deselected") + result.count("not run")
        out.append(
            f'<tr><td><a href="#{esc(result.rule.id)}">{esc(result.rule.id)}</a></td>'
            f'<td class="status {result.status}">{result.status}</td>'
            f"<td>{result.count('passed')}</td><td>{result.count('failed')}</td>"
            f"<td>{result.count('skipped')}</td><td>{not_run}</td>"
            f"<td>{inline_markdown(result.rule.text)}</td></tr>"
        )
    out.append("</table>")
    for result in report.rules:
        out.append(rule_section(result))
    if report.unknown:
        out.append("<h2>Rule ids not in DESIGN §4</h2><table><tr><th>Id</th><th>Tests</th></tr>")
        for rule_id, nodeids in sorted(report.unknown.items()):
            tests = "<br>".join(esc(nodeid) for nodeid in nodeids)
            out.append(f'<tr><td>{esc(rule_id)}</td><td class="test">{tests}</td></tr>')
        out.append("</table>")
    if report.run["collection_errors"]:
        out.append("<h2>Collection errors</h2><table>")
        for error in report.run["collection_errors"]:
            out.append(
                f'<tr><td class="test">{esc(error["nodeid"])}<pre>{esc(error["message"])}</pre></td></tr>'
            )
        out.append("</table>")
    out.append(
        '<p class="muted">Raw record of the run: <a href="test-results.json">test-results.json</a>, '
        'console output: <a href="pytest-output.txt">pytest-output.txt</a>.</p></body></html>'
    )
    return "\n".join(out) + "\n"


def key_value_table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{esc(key)}</th><td>{esc(value)}</td></tr>" for key, value in rows)
    return f'<table class="facts">{body}</table>'


def rule_section(result: RuleResult) -> str:
    rule = result.rule
    out = [
        f'<section class="rule {result.status}" id="{esc(rule.id)}">',
        f'<h2>{esc(rule.id)} <span class="status {result.status}">{result.status}</span> '
        f'<span class="muted">{esc(result.why)}</span></h2>',
        f"<p>{inline_markdown(rule.text)}</p>",
    ]
    if result.tests:
        out.append("<table><tr><th>Test</th><th>Result</th><th>s</th></tr>")
        for test in result.tests:
            message = f'<div class="muted">{esc(note(test))}</div>' if note(test) else ""
            out.append(
                f'<tr><td class="test">{esc(test["nodeid"])}{message}</td>'
                f'<td class="status {css_class(test["outcome"])}">{esc(test["outcome"])}</td>'
                f"<td>{test['duration']:.2f}</td></tr>"
            )
        out.append("</table>")
    out.append("</section>")
    return "\n".join(out)


# --- PDF ------------------------------------------------------------------------------------

LATIN1_REPLACEMENTS = str.maketrans(
    {
        "→": "->",
        "←": "<-",
        "–": "-",
        "—": "-",
        "…": "...",
        "„": '"',
        "“": '"',
        "”": '"',
        "‚": "'",
        "‘": "'",
        "’": "'",
        "≥": ">=",
        "≤": "<=",
        "•": "-",
        "\u00a0": " ",
    }
)


def latin1(text) -> str:
    """fpdf2's core fonts are latin-1: common symbols spelled out, anything else as "?"."""
    return str(text).translate(LATIN1_REPLACEMENTS).encode("latin-1", "replace").decode("latin-1")


def plain(text: str) -> str:
    return latin1(text.replace("`", ""))


STATUS_COLOURS = {VALIDATED: (21, 128, 61), FAILED: (185, 28, 28), GAP: (185, 28, 28)}
OUTCOME_COLOURS = {"passed": (21, 128, 61), "failed": (185, 28, 28)}
AMBER = (146, 64, 14)


def render_pdf(report: Report, path: Path) -> None:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    version = report.version["commit"][:12] + (" (dirty)" if report.version.get("dirty") else "")

    class ReportPDF(FPDF):
        def header(self):
            self.set_font("Helvetica", "", 8)
            self.set_text_color(91, 102, 115)
            self.cell(0, 5, latin1(f"{TITLE} - {version}"), align="L")
            self.cell(0, 5, latin1(report.generated.strftime("%Y-%m-%d %H:%M %Z")), align="R")
            self.ln(8)
            self.set_text_color(0, 0, 0)

        def footer(self):
            self.set_y(-12)
            self.set_font("Helvetica", "", 8)
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = ReportPDF(format="A4")
    pdf.set_title(TITLE)
    pdf.set_creator("tools/validation_report.py")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, latin1(TITLE), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0,
        4.5,
        latin1(
            "ISO 13485 §4.1.6: validation of software used in the quality management system. Every "
            'rule of DESIGN §4 with the automated tests that carry its id (@pytest.mark.req("R...")) '
            "and their result in this run."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    pdf.set_text_color(*((21, 128, 61) if report.ok else (185, 28, 28)))
    pdf.multi_cell(0, 6, latin1(report.verdict), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 7, latin1(text), new_x="LMARGIN", new_y="NEXT")

    def key_values(rows: list[tuple[str, str]]) -> None:
        pdf.set_font("Helvetica", "", 8.5)
        with pdf.table(
            col_widths=(45, 145), first_row_as_headings=False, line_height=4.5, text_align="LEFT"
        ) as table:
            for key, value in rows:
                row = table.row()
                row.cell(latin1(key), style=FontFace(emphasis="BOLD"))
                row.cell(latin1(value))

    heading("Version and environment")
    key_values(facts(report))
    heading("Totals")
    key_values(totals(report))

    heading("Rules")
    pdf.set_font("Helvetica", "", 8.5)
    with pdf.table(col_widths=(12, 20, 14, 14, 14, 14), text_align="LEFT", line_height=4.5) as table:
        table.row(["Rule", "Status", "passed", "failed", "skipped", "not run"])
        for result in report.rules:
            row = table.row()
            row.cell(result.rule.id)
            row.cell(result.status, style=FontFace(emphasis="BOLD", color=STATUS_COLOURS[result.status]))
            row.cell(str(result.count("passed")))
            row.cell(str(result.count("failed")))
            row.cell(str(result.count("skipped")))
            row.cell(str(result.count("deselected") + result.count("not run")))

    for result in report.rules:
        pdf.ln(3)
        if pdf.will_page_break(30):
            pdf.add_page()
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(12, 7, latin1(result.rule.id))
        pdf.set_text_color(*STATUS_COLOURS[result.status])
        pdf.cell(25, 7, result.status)
        pdf.set_text_color(91, 102, 115)
        pdf.set_font("Helvetica", "", 9)
        pdf.cell(0, 7, latin1(result.why), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(0, 4.5, plain(result.rule.text), new_x="LMARGIN", new_y="NEXT", align="L")
        if not result.tests:
            continue
        pdf.ln(1)
        pdf.set_font("Helvetica", "", 7.5)
        with pdf.table(col_widths=(150, 20, 12), text_align="LEFT", line_height=3.8) as table:
            table.row(["Test", "Result", "s"])
            for test in result.tests:
                row = table.row()
                text = test["nodeid"] + (f"\n{note(test)}" if note(test) else "")
                row.cell(latin1(text))
                row.cell(test["outcome"], style=FontFace(color=OUTCOME_COLOURS.get(test["outcome"], AMBER)))
                row.cell(f"{test['duration']:.2f}")

    if report.unknown:
        heading("Rule ids not in DESIGN §4")
        pdf.set_font("Helvetica", "", 8)
        for rule_id, nodeids in sorted(report.unknown.items()):
            pdf.multi_cell(0, 4, latin1(f"{rule_id}: " + ", ".join(nodeids)), new_x="LMARGIN", new_y="NEXT")
    if report.run["collection_errors"]:
        heading("Collection errors")
        pdf.set_font("Helvetica", "", 8)
        for error in report.run["collection_errors"]:
            pdf.multi_cell(
                0, 4, latin1(error["nodeid"] + ": " + error["message"][-600:]), new_x="LMARGIN", new_y="NEXT"
            )
    pdf.output(str(path))


# --- running ----------------------------------------------------------------------------------


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def run_pytest(results: Path, log: Path, pytest_args: list[str]) -> int:
    """The suite with the recorder on; the console output goes to the terminal and to log."""
    command = [sys.executable, "-m", "pytest", f"--req-report={results}", *pytest_args]
    print("$", " ".join(command[1:]), flush=True)
    with (
        log.open("wb") as output,
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as process,
    ):
        while chunk := process.stdout.read1(4096):  # as it comes: pytest's progress dots have no newline
            sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            output.write(chunk)
    return process.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument(
        "--output", type=Path, default=OUTPUT, help="folder for the report (validation-report/)"
    )
    parser.add_argument("--design", type=Path, default=DESIGN, help="DESIGN.md with the rule table of §4")
    parser.add_argument("--from-json", type=Path, help="render this recorded run instead of running pytest")
    parser.add_argument("--by", default="", help="who runs the validation (default: the OS user)")
    options, pytest_args = parser.parse_known_args(argv)

    options.output.mkdir(parents=True, exist_ok=True)
    if options.from_json is None:
        version = git_version()  # before the run: the code that is tested
        results = options.output / "test-results.json"
        results.unlink(missing_ok=True)
        run_pytest(results, options.output / "pytest-output.txt", pytest_args)
        if not results.exists():
            print(
                "The test run recorded no results (see the output above): no report written.", file=sys.stderr
            )
            return 2
        run = json.loads(results.read_text(encoding="utf-8"))
        run["version"] = version
        run["run_by"] = options.by or os_user()
        run["configuration"] = shell_configuration()
    else:
        run = json.loads(options.from_json.read_text(encoding="utf-8"))
        version = run.get("version")
        if version is None:
            version = git_version()
            version["text"] += " - the checkout when rendering; the run did not record its version"

    rules, rules_source = load_rules(options.design)
    report = build_report(rules, rules_source, run, version)
    if options.from_json is None:
        run["summary"] = summary(report)
        results.write_text(json.dumps(run, indent=1, ensure_ascii=False), encoding="utf-8")
    html_path, pdf_path = options.output / "validation-report.html", options.output / "validation-report.pdf"
    html_path.write_text(render_html(report), encoding="utf-8")
    render_pdf(report, pdf_path)

    print()
    print(rules_source)
    for result in report.rules:
        print(f"  {result.rule.id:<4} {result.status:<10} {result.why}")
    print(
        f"Tests: {report.total('passed')} passed, {report.total('failed')} failed, "
        f"{report.total('skipped')} skipped, {report.total('deselected')} deselected"
    )
    print(report.verdict)
    print(f"Written: {html_path}, {pdf_path}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
