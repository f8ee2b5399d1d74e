from importlib import import_module

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.test.utils import override_settings
from rest_framework.test import APIClient

from accounts import roles
from audit.history import save_audited
from tests.factories import user_with_role
from vendor.models import SIC_NAME, Vendor

pytest_plugins = ["tests.req_report"]  # --req-report=PATH: rule ids and outcomes for the validation report


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (real concurrent connections, triggers) are deselected, not skipped,
    on SQLite: .ci/run runs the whole suite on PostgreSQL as well, where they run."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    deselected = [item for item in items if item.get_closest_marker("postgres_only")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgres_only")]
        config.pluginmanager.get_plugin("terminalreporter").write_line(
            f"{len(deselected)} PostgreSQL-only tests deselected (SQLite); "
            "run with DATABASE_URL=postgres://... to include them"
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, history and event tables refuse TRUNCATE (R19), which the flush after each
    transactional test uses. The test database grants it to its sessions: the trigger lets only a
    database named test_... use that grant (audit/migration_ops.py)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"ALTER DATABASE {name} SET supportdesk.test_flush = 'on'")  # new sessions
        cursor.execute("SET supportdesk.test_flush = 'on'")  # this one


@pytest.fixture(autouse=True, scope="session")
def settings_the_tests_need():
    """The tests decide what they need, whatever DJANGO_* the shell exports: with production's
    (DJANGO_DEBUG=false, a key, allowed hosts) the settings would render pages through the manifest
    storage, which exists only after collectstatic, and redirect the test client to HTTPS. The
    validation report records the configuration it ran under (tools/validation_report.py)."""
    from django.conf import settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    hosts = [*settings.ALLOWED_HOSTS, "testserver", "localhost", "127.0.0.1"]
    with override_settings(STORAGES=storages, SECURE_SSL_REDIRECT=False, ALLOWED_HOSTS=hosts):
        yield


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """Hashing is not under test; the production hasher costs about a second per user here."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def files_in_a_temporary_folder(tmp_path_factory):
    """Uploaded attachments go to a throw-away folder, never into the checkout's media/."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


def restore_migration_data():
    """Put back what the data migrations made (roles, SIC), as a flushed database lacks them."""
    for role, perms in import_module("accounts.migrations.0001_roles").ROLES.items():
        group, created = Group.objects.get_or_create(name=role)
        if created:
            group.permissions.set(
                [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in perms]
            )
    Group.objects.get_or_create(name=roles.TELEPHONY)  # accounts 0002
    Group.objects.get_or_create(name=roles.PROCESS_MANAGER)  # accounts 0003
    if not Vendor.objects.filter(name=SIC_NAME).exists():
        save_audited(Vendor(name=SIC_NAME), by=None, reason="data migration: vendor SIC")


@pytest.fixture(autouse=True)
def _migration_data_in_transactional_tests(request):
    """A transactional test ends with a flush, which removes the data migrations' rows.

    serialized_rollback cannot restore them: reloading rows UPDATEs the history tables,
    which the append-only trigger refuses (R10). So each such test puts them back first.
    """
    marker = request.node.get_closest_marker("django_db")
    if (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or (marker and marker.kwargs.get("transaction"))
    ):
        request.getfixturevalue("transactional_db")
        restore_migration_data()


@pytest.fixture
def support_user(db):
    return user_with_role(roles.SUPPORT)


@pytest.fixture
def management_user(db):
    return user_with_role(roles.MANAGEMENT)


@pytest.fixture
def qmb_user(db):
    return user_with_role(roles.QMB)


@pytest.fixture
def process_manager_user(db):
    return user_with_role(roles.PROCESS_MANAGER)


@pytest.fixture
def admin_user(db):
    return user_with_role(roles.ADMIN)


@pytest.fixture
def users(support_user, management_user, qmb_user, process_manager_user, admin_user):
    return {
        roles.SUPPORT: support_user,
        roles.MANAGEMENT: management_user,
        roles.QMB: qmb_user,
        roles.PROCESS_MANAGER: process_manager_user,
        roles.ADMIN: admin_user,
    }


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def web_client(user):
    """A browser-like Django test client signed in as the user (pages, not the API)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def web(support_user):
    """The pages, signed in as a support user."""
    return web_client(support_user)


@pytest.fixture
def api(support_user):
    """An API client signed in as a support user."""
    return client_for(support_user)


@pytest.fixture
def outbox_sends_at_once(monkeypatch):
    """Mails written to the outbox (R17) are delivered at once, in the test's transaction: it never
    commits, so the delivery after commit would never run. For tests that read what was sent
    (`mailoutbox`); the outbox itself is tested against a real SMTP server in tests/test_outbox.py."""
    from outbox import services as outbox_services

    monkeypatch.setattr(outbox_services, "after_commit", lambda attempt: attempt())


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 (tests/smtp_server.py), down until the test starts it;
    Django's SMTP backend points at it."""
    from tests.smtp_server import SmtpServer

    server = SmtpServer()
    for name, value in server.django_settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()
