import csv
import io

import pytest

from accounts import roles
from tests.conftest import web_client
from tests.factories import PASSWORD, create_ticket, run
from tickets import services

URL = "/risk-reviews/signed.csv"


def signed_review(support_user, management_user, comment):
    ticket = create_ticket(support_user)
    run(
        ticket,
        "triage",
        support_user,
        category="software",
        risk_relevant=True,
        risk_description="Falsche Versorgungsmenge auf dem Lieferschein.",
    )
    services.risk_review_sign(
        ticket_id=ticket.pk,
        by=management_user,
        data={"decision": "capa", "comment": comment, "password": PASSWORD},
    )
    return ticket


def rows(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode(
        "utf-8-sig"
    )
    return list(csv.reader(io.StringIO(text), delimiter=";"))


@pytest.mark.django_db
@pytest.mark.req("R12")
def test_it_exports_every_signed_review_with_its_signature(support_user, management_user, qmb_user):
    first = signed_review(support_user, management_user, "CAPA 2026-07 eröffnet")
    pending = create_ticket(support_user)
    run(pending, "triage", support_user, category="software", risk_relevant=True, risk_description="offen")

    response = web_client(qmb_user).get(URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, *body = rows(response)
    assert header[0] == "Vorgang"
    assert len(body) == 1  # the pending review is not signed, so not exported
    assert body[0][0] == first.number
    assert management_user.get_full_name() in body[0]
    assert "geprüft und bewertet durch die Geschäftsleitung" in body[0]
    assert "CAPA 2026-07 eröffnet" in body[0]


@pytest.mark.django_db
def test_a_comment_that_looks_like_a_formula_is_defused(support_user, management_user):
    signed_review(support_user, management_user, '=HYPERLINK("http://x")')
    body = rows(web_client(management_user).get(URL))[1:]
    assert body[0][-1].startswith("'=")


@pytest.mark.django_db
@pytest.mark.req("R8")
@pytest.mark.parametrize(
    ("role", "status"), [(roles.SUPPORT, 403), (roles.MANAGEMENT, 200), (roles.QMB, 200), (roles.ADMIN, 200)]
)
def test_only_roles_that_may_export_get_it(users, role, status):
    assert web_client(users[role]).get(URL).status_code == status


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_the_reviews(
    support_user, management_user, django_assert_max_num_queries
):
    client = web_client(management_user)
    signed_review(support_user, management_user, "eins")
    with django_assert_max_num_queries(8) as few:
        client.get(URL)
    for n in range(5):
        signed_review(support_user, management_user, f"Nummer {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)
