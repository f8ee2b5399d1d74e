"""R21: every ticket records the revision of the work instruction in force when it was logged, and
names it on its page; a ticket logged while none was in force says so."""

import pytest

from tests.factories import create_ticket
from tests.test_work_instruction import in_force, pm, qmb  # noqa: F401  the fixtures, used by name

pytestmark = [pytest.mark.django_db, pytest.mark.req("R21")]


def test_a_new_ticket_records_the_revision_in_force(api, web, support_user, pm, qmb):  # noqa: F811
    before = create_ticket(support_user)
    first = in_force(pm, qmb)
    under_first = create_ticket(support_user)
    second = in_force(pm, qmb, change_summary="Schritt 9 ergänzt")
    under_second = create_ticket(support_user)

    assert before.work_instruction_revision is None
    assert under_first.work_instruction_revision == first
    assert under_second.work_instruction_revision == second
    assert api.get(f"/api/v1/tickets/{under_first.pk}/").json()["work_instruction_revision"] == first.pk
    assert api.get(f"/api/v1/tickets/{before.pk}/").json()["work_instruction_revision"] is None
    page = web.get(f"/tickets/{under_second.pk}/").content.decode()
    assert f"Rev. {second.number}" in page
    assert "keine in Kraft beim Erfassen" in web.get(f"/tickets/{before.pk}/").content.decode()
