"""R21 under real concurrency (PostgreSQL only): two revisions approved at once, each QMB on a
connection of its own — afterwards exactly one revision is in force and the other is superseded
(or refused with a conflict), never two in force and never a 500."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection, connections

from accounts import roles
from instructions import services
from instructions.models import WorkInstructionRevision
from supportdesk.errors import Conflict
from tests.factories import PASSWORD, UserFactory, user_with_role

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True), pytest.mark.req("R21")]
Revision = WorkInstructionRevision


def race(*actions):
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def worker(index, action):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            outcomes[index] = ("ok", action())
        except BaseException as error:
            outcomes[index] = ("error", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, a), daemon=True) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "an approval hangs (deadlock?)"
    return outcomes


def authored(author, text):
    revision = services.revision_create(by=author, data={"text": text, "change_summary": text})
    return services.revision_sign(
        revision_id=revision.pk, by=author, data={"password": PASSWORD, "meaning": "authored"}
    )


@pytest.mark.parametrize("one_in_force_before", [False, True])
def test_two_revisions_approved_at_once_leave_exactly_one_in_force(one_in_force_before):
    author = UserFactory()
    author.groups.add(Group.objects.get_or_create(name="process_manager")[0])
    Group.objects.get_or_create(name=roles.QMB)
    first_qmb, second_qmb = user_with_role(roles.QMB), user_with_role(roles.QMB)
    if one_in_force_before:
        old = authored(author, "Rev. alt")
        services.revision_sign(
            revision_id=old.pk, by=first_qmb, data={"password": PASSWORD, "meaning": "approved"}
        )
    a, b = authored(author, "Fassung A"), authored(author, "Fassung B")

    def approve(revision, qmb):
        return lambda: services.revision_sign(
            revision_id=revision.pk, by=qmb, data={"password": PASSWORD, "meaning": "approved"}
        )

    outcomes = race(approve(a, first_qmb), approve(b, second_qmb))

    for kind, value in outcomes:
        assert kind == "ok" or isinstance(value, Conflict), repr(value)
    assert Revision.objects.filter(state=Revision.State.IN_FORCE).count() == 1
    states = dict(Revision.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", "state"))
    assert sorted(states.values()) in (["in_force", "superseded"], ["authored", "in_force"])
    if one_in_force_before:
        old.refresh_from_db()
        assert old.state == Revision.State.SUPERSEDED
