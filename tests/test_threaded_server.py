"""R14 under a real threaded server: a committed transition always answers success.

gunicorn runs with several threads per worker against the test database (PostgreSQL: the server
is another process and needs a database it can reach); the requests come from client threads.
"""

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection, models
from django_fsm import FSMFieldMixin
from rest_framework.authtoken.models import Token

from tests.factories import ticket_in_state, transition_data
from tickets.models import State, Ticket

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def gunicorn():
    """gunicorn, 2 workers × 4 threads, DEBUG off, on the test database; yields its base URL.

    The test binds the listening socket and hands it over (fd://), so requests queue in its
    backlog until a worker is up: no waiting for the server to start.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "threaded-server-test-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_CONN_MAX_AGE": "60",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "supportdesk.wsgi",
            "--bind",
            f"fd://{listener.fileno()}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        pass_fds=[listener.fileno()],
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        listener.close()


def post(base: str, path: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def fix_immediately(base: str, token: str, ticket: Ticket) -> tuple[int, dict]:
    return post(
        base,
        f"/api/v1/tickets/{ticket.pk}/transitions/fix_immediately/",
        token,
        transition_data("fix_immediately", ticket),
    )


@pytest.mark.req("R14")
@pytest.mark.django_db
def test_refreshing_a_ticket_leaves_its_state_field_protected_for_other_threads(support_user, monkeypatch):
    """django-fsm-2's own refresh switches `protected` off on the class-wide field while it loads, so
    a transition another thread saved at that moment was refused after its commit (a 500 for a step
    that happened). The flag must stay on while a row is read again."""
    state_field = Ticket._meta.get_field("state")
    assert isinstance(state_field, FSMFieldMixin)
    assert state_field.protected
    protected_while_loading = []
    load = models.Model.refresh_from_db

    def observed(instance, *args, **kwargs):
        protected_while_loading.append(state_field.protected)
        return load(instance, *args, **kwargs)

    monkeypatch.setattr(models.Model, "refresh_from_db", observed)
    ticket = ticket_in_state(State.TRIAGE, support_user)
    ticket.refresh_from_db()
    assert ticket.state == State.TRIAGE
    assert protected_while_loading == [True] * len(protected_while_loading) != []


def token_for(user) -> str:
    return Token.objects.create(user=user).key


@pytest.mark.req("R14")
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_eight_threads_running_transitions_on_separate_tickets_all_succeed(gunicorn, support_user):
    token = token_for(support_user)
    tickets = [ticket_in_state(State.TRIAGE, support_user) for _ in range(24)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda ticket: fix_immediately(gunicorn, token, ticket), tickets))
    assert [status for status, _ in answers] == [200] * len(tickets), answers
    assert {body["state"] for _, body in answers} == {State.IMMEDIATE_FIX}
    assert Ticket.objects.filter(state=State.IMMEDIATE_FIX).count() == len(tickets)


@pytest.mark.req("R14")
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_fifty_requests_racing_one_transition_have_exactly_one_winner(gunicorn, support_user):
    token = token_for(support_user)
    ticket = ticket_in_state(State.TRIAGE, support_user)
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda _: fix_immediately(gunicorn, token, ticket), range(50)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * 49, answers
    assert ticket.history.filter(history_change_reason="fix_immediately").count() == 1


@pytest.mark.req("R14")
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_lost_database_connection_costs_no_request(gunicorn, support_user):
    """The server keeps its connections (CONN_MAX_AGE); after the database dropped them, each is
    checked before use (CONN_HEALTH_CHECKS) instead of answering one 500."""
    token = token_for(support_user)
    tickets = [ticket_in_state(State.TRIAGE, support_user) for _ in range(32)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        warm_up = list(pool.map(lambda ticket: get_ticket(gunicorn, token, ticket), tickets[:16]))
        assert {status for status, _ in warm_up} == {200}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] >= 1
        answers = list(pool.map(lambda ticket: fix_immediately(gunicorn, token, ticket), tickets[16:]))
    assert [status for status, _ in answers] == [200] * 16, answers


def get_ticket(base: str, token: str, ticket: Ticket) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/api/v1/tickets/{ticket.pk}/", headers={"Authorization": f"Token {token}"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read())
