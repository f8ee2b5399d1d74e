"""Management commands: adduser (one role per user, a strong password, from the environment or a prompt)."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts import roles
from tests.factories import UserFactory

STRONG = "Kassenrezept-Drucker-2026!"

pytestmark = pytest.mark.django_db

User = get_user_model()


def adduser(*args) -> str:
    out = io.StringIO()
    call_command("adduser", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def password_from_env(monkeypatch):
    monkeypatch.setenv("DJANGO_USER_PASSWORD", STRONG)


@pytest.fixture
def prompt(monkeypatch):
    """Answer the password prompts with the given strings, in order; record the prompts asked."""
    monkeypatch.delenv("DJANGO_USER_PASSWORD", raising=False)
    asked = []

    def answer(*answers):
        replies = iter(answers)

        def fake_getpass(text="Password: "):
            asked.append(text)
            reply = next(replies)
            if isinstance(reply, BaseException):
                raise reply
            return reply

        monkeypatch.setattr("getpass.getpass", fake_getpass)
        return asked

    return answer


@pytest.mark.parametrize("role", roles.ROLES)
def test_adduser_creates_a_user_with_exactly_that_role(password_from_env, role):
    output = adduser(
        f"anna.{role}",
        "--role",
        role,
        "--email",
        "anna@example.test",
        "--first-name",
        "Anna",
        "--last-name",
        "Schmidt",
    )

    user = User.objects.get(username=f"anna.{role}")
    assert f"'anna.{role}' created with role {role}" in output
    assert user.check_password(STRONG)
    assert (user.email, user.first_name, user.last_name) == ("anna@example.test", "Anna", "Schmidt")
    assert user.is_active
    assert roles.role_names(user) == {role}
    if role == roles.ADMIN:
        assert user.is_superuser and user.is_staff
        assert not user.groups.exists()
    else:
        assert not user.is_superuser and not user.is_staff
        assert list(user.groups.values_list("name", flat=True)) == [role]


def test_the_roles_a_user_gets_decide_what_they_may_do(password_from_env):
    for role in roles.ROLES:
        adduser(f"u.{role}", "--role", role)
    user = {role: User.objects.get(username=f"u.{role}") for role in roles.ROLES}

    assert [r for r in roles.ROLES if roles.can_work(user[r])] == [
        roles.SUPPORT,
        roles.MANAGEMENT,
        roles.ADMIN,
    ]
    assert [r for r in roles.ROLES if roles.can_sign(user[r])] == [roles.MANAGEMENT]
    assert all(roles.can_read(user[r]) for r in roles.ROLES)


def test_an_unknown_role_is_refused_naming_the_roles(password_from_env):
    with pytest.raises(CommandError) as refused:
        adduser("bernd", "--role", "chef")

    message = str(refused.value)
    assert "'chef'" in message
    for role in roles.ROLES:
        assert role in message
    assert not User.objects.filter(username="bernd").exists()


def test_a_missing_role_is_refused(password_from_env):
    with pytest.raises(CommandError, match="--role"):
        adduser("bernd")


def test_a_taken_user_name_gets_the_role_added_whatever_its_case(password_from_env):
    UserFactory(username="anna")

    output = adduser("ANNA", "--role", roles.SUPPORT)  # a second role for an existing user (DESIGN §5)

    assert "role support added" in output
    assert User.objects.filter(username__iexact="anna").count() == 1
    assert roles.role_names(User.objects.get(username="anna")) == {roles.SUPPORT}


@pytest.mark.parametrize(
    "weak",
    ["Kurz-1!", "1234567890123", "password123", "bernd.meier.2026"],
    ids=["too short", "only digits", "too common", "like the user name"],
)
def test_a_weak_password_is_refused(monkeypatch, weak):
    monkeypatch.setenv("DJANGO_USER_PASSWORD", weak)

    with pytest.raises(CommandError, match="Password refused"):
        adduser("bernd.meier.2026", "--role", roles.SUPPORT, "--email", "bernd.meier@example.test")

    assert not User.objects.filter(username="bernd.meier.2026").exists()


def test_without_the_environment_variable_the_password_is_asked_twice(prompt):
    asked = prompt(STRONG, STRONG)

    adduser("carla", "--role", roles.QMB)

    assert len(asked) == 2
    assert User.objects.get(username="carla").check_password(STRONG)


def test_an_empty_environment_variable_also_asks(prompt, monkeypatch):
    asked = prompt(STRONG, STRONG)
    monkeypatch.setenv("DJANGO_USER_PASSWORD", "")

    adduser("carla", "--role", roles.QMB)

    assert len(asked) == 2
    assert User.objects.filter(username="carla").exists()


@pytest.mark.parametrize(
    ("answers", "refusal"),
    [
        ((STRONG, STRONG + "x"), "do not match"),
        (("", ""), "must not be empty"),
        ((EOFError(),), "No password given"),
        ((STRONG, KeyboardInterrupt()), "No password given"),
        (("1234", "1234"), "Password refused"),
    ],
    ids=["mismatch", "empty", "end of input", "interrupted", "weak"],
)
def test_a_bad_answer_at_the_prompt_is_refused(prompt, answers, refusal):
    prompt(*answers)

    with pytest.raises(CommandError, match=refusal):
        adduser("carla", "--role", roles.SUPPORT)

    assert not User.objects.filter(username="carla").exists()
