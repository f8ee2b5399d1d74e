"""DESIGN §11: security headers, no cached copies of case data, quiet refusals, the admin's roles."""

import io
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.contrib.staticfiles import finders

from accounts import roles
from tests.conftest import client_for, web_client
from tests.factories import create_ticket

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [
    path
    for path in ROOT.glob("**/templates/**/*.html")
    if ".venv" not in path.parts and "email" not in path.parts  # e-mails are no pages
]


@pytest.mark.django_db
def test_every_page_has_a_policy_without_inline_script_or_eval(web):
    policy = web.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_template_carries_inline_script_or_style(template):
    """The policy would block them: every script is a static file, every style in app.css."""
    text = re.sub(r"{#.*?#}", "", template.read_text())  # what a comment says is no markup
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert not re.search(r"\sstyle\s*=|<style", text), "inline style"
    assert "js:" not in text and "javascript:" not in text, "evaluated JavaScript"


@pytest.mark.django_db
def test_signed_in_pages_and_the_api_are_not_stored(support_user):
    ticket = create_ticket(support_user)
    for response in (
        web_client(support_user).get(f"/tickets/{ticket.pk}/"),
        client_for(support_user).get(f"/api/v1/tickets/{ticket.pk}/"),
        client_for(None).get("/api/v1/tickets/"),
    ):
        assert "no-store" in response["Cache-Control"], response.status_code


@pytest.mark.django_db
def test_a_refused_page_is_logged_as_one_line_without_a_traceback(support_user):
    handler = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)
    captured = io.StringIO()
    previous = handler.setStream(captured)
    try:
        response = web_client(support_user).get("/audit/")
    finally:
        handler.setStream(previous)
    assert response.status_code == 403
    lines = [line for line in captured.getvalue().splitlines() if line.strip()]
    assert "Forbidden (Permission denied): /audit/" in lines
    assert not any("Traceback" in line for line in lines)


@pytest.mark.django_db
def test_the_admin_cannot_delete_a_role(admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    group = Group.objects.get(name=roles.SUPPORT)
    client = web_client(admin_user)
    assert client.get(f"/admin/auth/group/{group.pk}/delete/").status_code == 403
    changelist = client.get("/admin/auth/group/")
    assert changelist.status_code == 200
    assert b"delete_selected" not in changelist.content
    assert Group.objects.filter(name=roles.SUPPORT).exists()


@pytest.mark.django_db
def test_there_is_a_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("favicon.ico")
    assert finders.find("favicon.ico")


def test_check_deploy_with_production_settings_finds_nothing():
    """README "Production deployment" step 3: the settings as production has them pass Django's
    deployment checklist (HSTS, secure cookies, SSL redirect, key) and ours without a warning."""
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "a-production-like-key-" + "k7Xq" * 15,
        "DJANGO_ALLOWED_HOSTS": "support.example.com",
        "DATABASE_URL": "postgres://supportdesk:secret@127.0.0.1:5432/supportdesk",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests' process, never in production
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
