"""Overdue CAPAs on the dashboards of the process manager and of management (R22, DESIGN §10.3)."""

import datetime

import pytest
from django.utils import timezone

from accounts import roles
from tests.conftest import web_client
from tests.factories import PASSWORD
from tests.test_capa import raise_capa, step


def accepted_due_today(raised_by, manager, owner, title):
    capa = raise_capa(raised_by, title=title)
    data = {"owner": owner.pk, "due_date": timezone.localdate().isoformat(), "password": PASSWORD}
    step(capa, "accept", manager, **data)
    return capa


@pytest.mark.req("R22")
def test_an_overdue_capa_shows_for_the_process_manager_and_management_only(users, monkeypatch):
    capa = accepted_due_today(
        users[roles.SUPPORT], users[roles.MANAGEMENT], users[roles.PROCESS_MANAGER], "Checkliste einführen"
    )
    for role in roles.ROLES:
        assert "Überfällige CAPA-Maßnahmen" not in web_client(users[role]).get("/").content.decode()

    later = timezone.localdate() + datetime.timedelta(days=2)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)

    for role in roles.ROLES:
        response = web_client(users[role]).get("/")
        html = response.content.decode()
        if role in (roles.PROCESS_MANAGER, roles.MANAGEMENT):
            assert list(response.context["overdue_capas"]) == [capa], role
            assert "Überfällige CAPA-Maßnahmen" in html and f"/capa/{capa.pk}/" in html
            assert users[roles.PROCESS_MANAGER].get_full_name() in html
        else:
            assert response.context["overdue_capas"] == [], role
            assert "Überfällige CAPA-Maßnahmen" not in html


@pytest.mark.req("R22")
def test_the_dashboard_reads_overdue_capas_in_one_query(users, monkeypatch, django_assert_max_num_queries):
    manager, carrier = users[roles.MANAGEMENT], users[roles.PROCESS_MANAGER]
    accepted_due_today(users[roles.SUPPORT], manager, carrier, "Erste")
    later = timezone.localdate() + datetime.timedelta(days=2)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    client = web_client(carrier)
    with django_assert_max_num_queries(40) as few:
        client.get("/")
    monkeypatch.undo()
    for n in range(8):
        accepted_due_today(users[roles.SUPPORT], manager, carrier, f"Weitere {n}")
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/")
    assert len(response.context["overdue_capas"]) == 9
