"""The validation report (ISO 13485 §4.1.6): tests/req_report.py records each test's rule ids and
outcome, tools/validation_report.py turns that record into HTML and PDF and fails on a gap.

The recorder is run in a separate pytest process over a small test file of its own (no Django, no
database), so it never touches this session's test database.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.req_report import ENV_VAR
from tools import validation_report

ROOT = Path(__file__).resolve().parent.parent
ALL_RULES = [f"R{number}" for number in range(1, 23)]
# Only the recorder: no Django, no database, no other plugin.
PYTEST = [sys.executable, "-m", "pytest", "-p", "tests.req_report", "-p", "no:cacheprovider"]

SAMPLE_TESTS = """
import pytest


@pytest.mark.req("R1")
def test_passes():
    pass


@pytest.mark.req("R2")
def test_fails():
    assert 1 == 2, "R2 is broken"


@pytest.mark.req("R4")
def test_skips():
    pytest.skip("no Chromium here")


@pytest.fixture
def broken():
    raise RuntimeError("the fixture broke")


@pytest.mark.req("R5")
def test_errors_in_setup(broken):
    pass


@pytest.mark.req("R6")
@pytest.mark.req("R1", "R6")
def test_proves_two_rules():
    pass


@pytest.mark.req("R7")
def test_left_out():
    pass


@pytest.mark.req("R8")
class TestGroup:
    def test_in_a_marked_class(self):
        pass


def test_without_a_rule():
    pass
"""


def record_sample_run(tmp_path, *, via: str) -> dict:
    (tmp_path / "test_sample.py").write_text(SAMPLE_TESTS)
    results = tmp_path / "out" / "results.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop(ENV_VAR, None)
    command = [*PYTEST, "--rootdir", str(tmp_path), "-k", "not left_out", "test_sample.py"]
    if via == "option":
        command.append(f"--req-report={results}")
    else:
        env[ENV_VAR] = str(results)
    finished = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert results.exists(), finished.stdout + finished.stderr
    return json.loads(results.read_text())


@pytest.mark.parametrize("via", ["option", "env"])
def test_it_records_each_tests_rule_ids_and_outcome(tmp_path, via):
    run = record_sample_run(tmp_path, via=via)

    tests = {test["nodeid"].split("::", 1)[1]: test for test in run["tests"]}
    assert {name: (test["reqs"], test["outcome"]) for name, test in tests.items()} == {
        "test_passes": (["R1"], "passed"),
        "test_fails": (["R2"], "failed"),
        "test_skips": (["R4"], "skipped"),
        "test_errors_in_setup": (["R5"], "failed"),
        "test_proves_two_rules": (["R1", "R6"], "passed"),
        "TestGroup::test_in_a_marked_class": (["R8"], "passed"),
        "test_without_a_rule": ([], "passed"),
        "test_left_out": (["R7"], "deselected"),
    }
    assert "R2 is broken" in tests["test_fails"]["message"]
    assert tests["test_skips"]["message"] == "no Chromium here"
    assert tests["test_errors_in_setup"]["message"].startswith(
        "error in setup: RuntimeError: the fixture broke"
    )
    assert run["exitstatus"] == 1
    assert run["environment"]["python"].endswith(sys.version.split()[0])
    assert run["collection_errors"] == []


def test_it_records_a_test_module_that_cannot_be_collected(tmp_path):
    (tmp_path / "test_broken.py").write_text("import no_such_module_here\n")
    results = tmp_path / "results.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    subprocess.run(
        [*PYTEST, "--rootdir", str(tmp_path), f"--req-report={results}", "test_broken.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
    )

    run = json.loads(results.read_text())
    assert [error["nodeid"] for error in run["collection_errors"]] == ["test_broken.py"]
    assert "no_such_module_here" in run["collection_errors"][0]["message"]
    assert run["exitstatus"] == 2


# --- the report, from a fabricated record ---------------------------------------------------


def a_test(name: str, outcome: str = "passed", *reqs: str, **extra) -> dict:
    return {
        "nodeid": f"tests/test_rules.py::{name}",
        "reqs": list(reqs),
        "outcome": outcome,
        "message": "",
        "duration": 0.25,
        "postgres_only": False,
        "browser": False,
        **extra,
    }


def a_run(tests: list[dict], exitstatus: int = 0) -> dict:
    return {
        "format": 1,
        "exitstatus": exitstatus,
        "started": "2026-11-27T08:00:00+00:00",
        "finished": "2026-11-27T08:03:30+00:00",
        "args": ["--create-db"],
        "environment": {
            "python": "CPython 3.11.7",
            "django": "5.2.19",
            "pytest": "9.2.0",
            "platform": "Linux",
        },
        "database": {"vendor": "postgresql", "engine": "PostgreSQL", "version": "16.4", "name": "test_sd"},
        "tests": tests,
        "collection_errors": [],
    }


def every_rule_passing() -> list[dict]:
    return [a_test(f"test_{rule_id.lower()}", "passed", rule_id) for rule_id in ALL_RULES]


@pytest.fixture
def design(tmp_path):
    """A DESIGN.md with the rule table of §4 between other tables, as the real one has."""
    rows = "\n".join(f"| {rule_id} | {text} |" for rule_id, text in validation_report.RULES_COPY)
    path = tmp_path / "DESIGN.md"
    path.write_text(
        "## 4. Transitions\n\n| name | from → to |\n|---|---|\n| `close` | x → closed |\n\n"
        f"Rules every path obeys.\n\n| ID | rule |\n|---|---|\n{rows}\n\n"
        "## 5. Roles\n\n| R99 | not a rule |\n"
    )
    return path


def render(tmp_path, design, run: dict) -> tuple[int, str, Path]:
    record = tmp_path / "run.json"
    record.write_text(json.dumps(run))
    output = tmp_path / "report"
    status = validation_report.main(
        ["--from-json", str(record), "--output", str(output), "--design", str(design)]
    )
    return status, (output / "validation-report.html").read_text(), output / "validation-report.pdf"


def test_it_parses_the_rule_table_of_design_section_4(design):
    rules, source = validation_report.load_rules(design)

    assert [rule.id for rule in rules] == ALL_RULES
    assert rules[12].text == "Sign-in events (login, logout, failed login) are recorded."
    assert source.startswith(f"parsed from {os.path.relpath(design, ROOT)} §4 (sha256 ")


def test_it_falls_back_to_its_copy_of_the_rules_with_a_note(tmp_path):
    missing = tmp_path / "shared" / "DESIGN.md"

    rules, source = validation_report.load_rules(missing)

    assert [rule.id for rule in rules] == ALL_RULES
    assert source.startswith(f"NOTE: {missing} could not be read")
    assert "copy in tools/validation_report.py" in source


def test_it_validates_when_every_rule_has_a_passing_test_and_exits_zero(tmp_path, design):
    status, page, pdf = render(tmp_path, design, a_run(every_rule_passing()))

    assert status == 0
    assert "VALIDATED: all 22 rules have passing tests; no test failed." in page
    assert "GAP</td>" not in page
    assert pdf.exists()


def test_it_shows_a_rule_without_a_passing_test_as_a_gap_and_exits_non_zero(tmp_path, design):
    tests = [test for test in every_rule_passing() if test["reqs"][0] not in {"R2", "R10", "R12", "R13"}]
    tests += [
        a_test("test_close_guard", "failed", "R2", message="AssertionError: 409 != 200"),
        a_test("test_trigger", "deselected", "R10", postgres_only=True),
        a_test("test_signing_in_the_browser", "skipped", "R12", message="No Chromium found"),
    ]

    status, page, _ = render(tmp_path, design, a_run(tests, exitstatus=1))

    assert status == 1
    assert "NOT VALIDATED: gaps R2, R10, R12, R13; 1 failed test(s); pytest exit status 1." in page
    for rule_id, why in [
        ("R2", "no passing test: 1 failed"),
        ("R10", "no passing test: 1 deselected"),
        ("R12", "no passing test: 1 skipped"),
        ("R13", "no test carries this rule id"),
    ]:
        assert f'id="{rule_id}">\n<h2>{rule_id} <span class="status GAP">GAP</span>' in page
        assert f'<span class="muted">{why}</span>' in page
    assert "PostgreSQL only: not run on this database" in page
    assert "AssertionError: 409 != 200" in page


def test_it_fails_a_rule_with_a_failing_test_even_beside_passing_ones(tmp_path, design):
    tests = [*every_rule_passing(), a_test("test_close_twice", "failed", "R1")]

    status, page, _ = render(tmp_path, design, a_run(tests, exitstatus=1))

    assert status == 1
    assert '<h2>R1 <span class="status FAILED">FAILED</span>' in page
    assert "1 of 2 test(s) failed" in page


def test_it_exits_non_zero_on_a_gap_from_the_command_line(tmp_path, design):
    record = tmp_path / "run.json"
    record.write_text(json.dumps(a_run(every_rule_passing()[:-1])))

    arguments = ["--from-json", str(record), "--design", str(design), "--output", str(tmp_path / "report")]
    finished = subprocess.run(
        [sys.executable, "tools/validation_report.py", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode == 1, finished.stderr
    assert "R22  GAP        no test carries this rule id" in finished.stdout
    assert "NOT VALIDATED: gaps R22." in finished.stdout


def test_it_lists_all_22_rules_with_their_text_tests_and_versions_in_the_html(tmp_path, design):
    tests = [*every_rule_passing(), a_test("test_<script>", "passed", "R3")]

    _, page, _ = render(tmp_path, design, a_run(tests))

    for rule_id, text in validation_report.RULES_COPY:
        assert f'<section class="rule validated" id="{rule_id}">' in page
        assert validation_report.inline_markdown(text) in page
        assert f"tests/test_rules.py::test_{rule_id.lower()}</td>" in page
    assert "<code>close</code> needs a <code>CustomerNotification</code>" in page
    assert "tests/test_rules.py::test_&lt;script&gt;" in page
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    assert commit.strip() in page
    for fact in ("CPython 3.11.7", "5.2.19", "PostgreSQL 16.4 (test database test_sd)", "(210 s)"):
        assert fact in page


def test_it_writes_a_pdf_that_opens_and_holds_every_rule_id(tmp_path, design):
    tests = [*every_rule_passing()[:-1], a_test("test_close → closed", "passed", "R1")]

    _, _, pdf = render(tmp_path, design, a_run(tests))

    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    for rule_id in ALL_RULES:
        assert re.search(rf"^{rule_id} ?(validated|GAP)", text, re.MULTILINE), rule_id
    assert re.search(r"^R22 ?GAP", text, re.MULTILINE)
    assert "NOT VALIDATED: gaps R22." in text
    assert "test_close -> closed" in text
    assert "Page 1 of" in text


def test_it_says_dirty_when_the_checkout_has_uncommitted_changes(monkeypatch):
    answers = {"rev-parse": "a" * 40, "status": " M tickets/services.py\n?? tools/new.py", "log": "subject"}
    monkeypatch.setattr(validation_report, "git", lambda command, *args: answers[command])

    version = validation_report.git_version()

    assert version["dirty"] is True
    assert version["text"] == "a" * 40 + " (dirty: 2 uncommitted change(s))"
    answers["status"] = ""
    assert validation_report.git_version()["text"] == "a" * 40 + " (clean)"


def test_it_runs_pytest_with_the_recorder_and_keeps_the_version_with_the_record(
    tmp_path, design, monkeypatch
):
    calls = []

    def fake_pytest(results, log, args):
        calls.append((results, args))
        results.write_text(json.dumps(a_run(every_rule_passing())))
        return 0

    monkeypatch.setattr(validation_report, "run_pytest", fake_pytest)
    monkeypatch.setattr(validation_report, "git_version", lambda: {"commit": "c" * 40, "text": "c" * 40})

    status = validation_report.main(["--output", str(tmp_path), "--design", str(design), "--create-db"])

    assert status == 0
    assert calls == [(tmp_path / "test-results.json", ["--create-db"])]
    assert json.loads((tmp_path / "test-results.json").read_text())["version"]["commit"] == "c" * 40
    assert "c" * 40 in (tmp_path / "validation-report.html").read_text()


def test_it_writes_no_report_when_the_run_recorded_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(validation_report, "run_pytest", lambda results, log, args: 4)

    status = validation_report.main(["--output", str(tmp_path), "--no-such-pytest-option"])

    assert status == 2
    assert not (tmp_path / "validation-report.html").exists()


# --- the configuration under validation, who ran it, and the QMB's signature ---------------

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "a-production-like-key-" + "k7Xq" * 15,
    "DJANGO_ALLOWED_HOSTS": "example.org",
}


def test_the_rules_are_r1_to_r22_from_design_or_the_copy():
    rules, _source = validation_report.load_rules()

    assert [rule.id for rule in rules] == ALL_RULES
    assert [rule_id for rule_id, _text in validation_report.RULES_COPY] == ALL_RULES


def test_it_records_the_configuration_it_ran_under_and_who_ran_it(tmp_path, design, monkeypatch):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(
        validation_report,
        "run_pytest",
        lambda results, log, args: results.write_text(json.dumps(a_run(every_rule_passing()))),
    )

    status = validation_report.main(["--output", str(tmp_path), "--design", str(design), "--by", "anna.qmb"])

    assert status == 0
    record = json.loads((tmp_path / "test-results.json").read_text())
    assert record["run_by"] == "anna.qmb"
    config = record["configuration"]
    assert config["debug"] is False
    assert config["staticfiles_storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert config["allowed_hosts"] == ["example.org"]
    assert config["secret_key"] == "set"
    assert "DJANGO_SECRET_KEY" in config["environment"]
    assert PRODUCTION["DJANGO_SECRET_KEY"] not in (tmp_path / "test-results.json").read_text()
    assert record["summary"] == {
        "ok": True,
        "verdict": "VALIDATED: all 22 rules have passing tests; no test failed.",
        "rules_total": 22,
        "rules_validated": 22,
        "gaps": [],
        "passed": 22,
        "failed": 0,
    }
    page = (tmp_path / "validation-report.html").read_text()
    assert "<th>Run by</th><td>anna.qmb</td>" in page
    assert "<th>Configuration: DEBUG</th><td>False</td>" in page
    assert "sign_validation_report" in page


def test_the_tests_render_pages_whatever_the_shell_exports(tmp_path):
    """With production's variables exported the tests still pass: the test settings decide the
    static files storage and the HTTPS redirect (pages used to fail with "Missing staticfiles
    manifest entry"). On SQLite of its own, beside this session's test database."""
    env = {**os.environ, **PRODUCTION}
    env.pop("DATABASE_URL", None)
    env.pop(ENV_VAR, None)
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "every_role_reads",
            "tests/test_work_instruction.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-2000:]
    assert "5 passed" in finished.stdout


@pytest.mark.django_db
def test_the_settings_of_a_test_are_those_the_tests_need(settings):
    assert (
        settings.STORAGES["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    assert settings.SECURE_SSL_REDIRECT is False


@pytest.fixture
def signed_report(tmp_path, design):
    record = tmp_path / "run.json"
    run = a_run(every_rule_passing())
    record.write_text(json.dumps(run))
    output = tmp_path / "report"
    validation_report.main(["--from-json", str(record), "--output", str(output), "--design", str(design)])
    report = validation_report.build_report(*validation_report.load_rules(design), run, {"commit": "c" * 40})
    run.update(
        version={"commit": "c" * 40, "dirty": False},
        run_by="ci",
        configuration={"debug": False},
        summary=validation_report.summary(report),
    )
    (output / "test-results.json").write_text(json.dumps(run))
    return output


@pytest.mark.django_db
def test_the_qmb_signs_the_report_as_reviewed_with_the_password(signed_report, monkeypatch, capsys):
    import hashlib

    from django.core.management import call_command

    from accounts import roles
    from instructions.models import ValidationRecord
    from tests.factories import PASSWORD, user_with_role

    qmb = user_with_role(roles.QMB, first_name="Quirin", last_name="Mahler")
    monkeypatch.setenv("DJANGO_USER_PASSWORD", PASSWORD)

    call_command("sign_validation_report", str(signed_report), "--by", qmb.username)

    record = ValidationRecord.objects.get()
    sha = hashlib.sha256(
        (signed_report / "validation-report.pdf").read_bytes()
        + (signed_report / "validation-report.html").read_bytes()
    ).hexdigest()
    assert (record.commit, record.report_sha256, record.meaning) == ("c" * 40, sha, "reviewed")
    assert (record.signed_by, record.signer_name, record.run_by) == (qmb, "Quirin Mahler", "ci")
    assert (record.rules_validated, record.rules_total, record.validated) == (22, 22, True)
    assert record.history.get().history_change_reason == "validation_sign"
    assert "reviewed and signed by Quirin Mahler" in capsys.readouterr().out


@pytest.mark.django_db
def test_signing_the_report_is_refused_clearly(signed_report, monkeypatch, tmp_path):
    from django.core.management import CommandError, call_command

    from accounts import roles
    from instructions.models import ValidationRecord
    from tests.factories import PASSWORD, user_with_role

    qmb, support = user_with_role(roles.QMB), user_with_role(roles.SUPPORT)
    monkeypatch.setenv("DJANGO_USER_PASSWORD", "falsch")
    with pytest.raises(CommandError, match="Passwort ist falsch"):
        call_command("sign_validation_report", str(signed_report), "--by", qmb.username)
    monkeypatch.setenv("DJANGO_USER_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="Nur der QMB"):
        call_command("sign_validation_report", str(signed_report), "--by", support.username)
    with pytest.raises(CommandError, match="No validation report"):
        call_command("sign_validation_report", str(tmp_path / "none"), "--by", qmb.username)
    assert not ValidationRecord.objects.exists()
