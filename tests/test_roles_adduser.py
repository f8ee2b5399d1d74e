"""The role process_manager (DESIGN §5): its group comes with the migrations; `adduser --role` creates
a user with it or gives an existing user a second role, the rights adding up."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts import roles

STRONG = "Kassenrezept-Drucker-2026!"
OTHER = "Wirksamkeit-Pruefen-2027?"

pytestmark = pytest.mark.django_db

User = get_user_model()


def adduser(*args) -> str:
    out = io.StringIO()
    call_command("adduser", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def password_from_env(monkeypatch):
    monkeypatch.setenv("DJANGO_USER_PASSWORD", STRONG)


@pytest.mark.req("R8")
def test_the_migrations_create_every_group_of_the_roles_table():
    assert set(Group.objects.values_list("name", flat=True)) >= {*roles.ACCOUNT_ROLES} - {roles.ADMIN}


@pytest.mark.req("R8")
def test_adduser_creates_a_process_manager(password_from_env):
    output = adduser("petra", "--role", "process_manager", "--first-name", "Petra", "--last-name", "Prozess")
    user = User.objects.get(username="petra")
    assert "'petra' created with role process_manager" in output
    assert roles.role_names(user) == {roles.PROCESS_MANAGER}
    assert roles.can_read(user) and roles.can_read_reports(user) and roles.can_carry_out_capa(user)
    assert not roles.can_work(user) and not roles.can_export(user) and not roles.can_decide_capa(user)


@pytest.mark.req("R8")
def test_adduser_gives_an_existing_user_a_second_role_and_keeps_the_password(password_from_env, monkeypatch):
    adduser("anna", "--role", "support")
    monkeypatch.setenv("DJANGO_USER_PASSWORD", OTHER)  # ignored without --set-password

    output = adduser("ANNA", "--role", "process_manager")

    assert "role process_manager added" in output and "password unchanged" in output
    assert User.objects.filter(username__iexact="anna").count() == 1
    user = User.objects.get(username="anna")
    assert user.check_password(STRONG)
    assert roles.role_names(user) == {roles.SUPPORT, roles.PROCESS_MANAGER}
    # the rights add up
    assert roles.can_work(user) and roles.can_carry_out_capa(user) and roles.can_read_reports(user)
    assert not roles.can_export(user) and not roles.can_decide_capa(user)


def test_adduser_sets_a_new_password_for_an_existing_user_only_when_asked(password_from_env, monkeypatch):
    adduser("bernd", "--role", "management")
    monkeypatch.setenv("DJANGO_USER_PASSWORD", OTHER)
    output = adduser("bernd", "--role", "qmb", "--set-password")
    user = User.objects.get(username="bernd")
    assert "password changed" in output and user.check_password(OTHER)
    assert roles.role_names(user) == {roles.MANAGEMENT, roles.QMB}


def test_adding_a_role_refuses_a_weak_new_password_and_changes_nothing(password_from_env, monkeypatch):
    adduser("carla", "--role", "support")
    monkeypatch.setenv("DJANGO_USER_PASSWORD", "kurz")
    with pytest.raises(CommandError, match="Password refused"):
        adduser("carla", "--role", "process_manager", "--set-password")
    user = User.objects.get(username="carla")
    assert user.check_password(STRONG) and roles.role_names(user) == {roles.SUPPORT}


def test_adding_a_role_the_user_holds_changes_nothing(password_from_env):
    adduser("dora", "--role", "process_manager")
    adduser("dora", "--role", "process_manager")
    assert list(User.objects.get(username="dora").groups.values_list("name", flat=True)) == [
        "process_manager"
    ]


def test_an_existing_user_can_be_made_admin(password_from_env):
    adduser("emil", "--role", "support")
    adduser("emil", "--role", "admin")
    user = User.objects.get(username="emil")
    assert user.is_superuser and user.is_staff
    assert roles.role_names(user) == {roles.SUPPORT, roles.ADMIN}


def test_the_help_says_how_to_add_a_second_role():
    from accounts.management.commands.adduser import Command

    assert "existing user" in Command.help and "process_manager" in Command.help
