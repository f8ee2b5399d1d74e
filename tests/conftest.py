import pytest
from rest_framework.test import APIClient

from accounts import roles
from tests.factories import user_with_role


def pytest_configure(config):
    config.addinivalue_line("markers", "req(rule_id): proves a rule of DESIGN.md §4")


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
def admin_user(db):
    return user_with_role(roles.ADMIN)


@pytest.fixture
def users(support_user, management_user, qmb_user, admin_user):
    return {
        roles.SUPPORT: support_user,
        roles.MANAGEMENT: management_user,
        roles.QMB: qmb_user,
        roles.ADMIN: admin_user,
    }


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def api(support_user):
    """An API client signed in as a support user."""
    return client_for(support_user)
