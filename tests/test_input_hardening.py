"""R14 at the edge: odd input is answered with a clear 4xx, whatever the endpoint (issue 10, item 2).

The JSON parser of the API and a middleware for the address refuse what would fail further in:
numbers beyond any database's range, nesting deeper than any request needs, bodies over the
size limit, NUL characters in the address (in a text, the form's field refuses them).
"""

import pytest
from django.test import override_settings

from tests.factories import CustomerFactory, create_ticket
from tickets.models import Ticket

API = "/api/v1"


def send(api, method, path, raw: str):
    return getattr(api, method)(path, data=raw.encode(), content_type="application/json")


def assert_json_error(response, status=400):
    """A JSON answer with a message: {"detail"} or the fields' errors."""
    assert response.status_code in ({status} if isinstance(status, int) else status), response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert isinstance(response.json(), dict)
    assert response.json()


def endpoints(ticket, customer):
    """(method, path, the body around a hostile value) for creating, correcting and transitions."""
    return [
        ("post", f"{API}/tickets/", '{"customer": %s, "summary": "x", "caller_name": "x"}'),
        ("patch", f"{API}/tickets/{ticket.pk}/", '{"version": %s, "summary": "y", "reason": "Tippfehler"}'),
        ("patch", f"{API}/tickets/{ticket.pk}/", '{"contact": %s, "reason": "Tippfehler"}'),
        ("post", f"{API}/tickets/{ticket.pk}/transitions/triage/", '{"category": %s}'),
        ("post", f"{API}/customers/", '{"customer_number": %s, "name": "x"}'),
        ("post", f"{API}/customers/{customer.pk}/contacts/", '{"name": %s}'),
    ]


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize(
    "number", ["1e400", "-1e400", "1" + "0" * 30, "-" + "9" * 25, "1e999999", "9" * 5000]
)
def test_a_number_beyond_any_range_is_a_400_and_changes_nothing(api, support_user, number):
    ticket = create_ticket(support_user)
    customer = CustomerFactory()
    for method, path, body in endpoints(ticket, customer):
        # a version no edit was made from is stale: 409, as for any other wrong version
        assert_json_error(send(api, method, path, body % number), status={400, 409})
    ticket.refresh_from_db()
    assert ticket.summary == "Rezeptdruck bricht ab"
    assert Ticket.objects.count() == 1


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize("depth", [25, 1_000, 100_000])
def test_deeply_nested_json_is_a_400(api, support_user, depth):
    ticket = create_ticket(support_user)
    customer = CustomerFactory()
    nested = "[" * depth + "]" * depth
    for method, path, body in endpoints(ticket, customer):
        response = send(api, method, path, body % nested)
        assert_json_error(response)
        assert "verschachtelt" in response.json()["detail"]


@pytest.mark.req("R14")
@pytest.mark.django_db
def test_a_nul_character_in_a_json_text_is_a_400_naming_the_field(api, support_user):
    ticket = create_ticket(support_user)
    customer = CustomerFactory()
    for method, path, body in endpoints(ticket, customer):
        response = send(api, method, path, body % '"Dr\\u0000ucker"')
        assert response.status_code == 400, (path, response.content)
    note = send(
        api, "post", f"{API}/tickets/{ticket.pk}/call-notes/", '{"direction": "inbound", "text": "a\\u0000"}'
    )
    assert note.status_code == 400
    assert list(note.json()) == ["text"]
    assert not ticket.call_notes.exists()


@pytest.mark.req("R14")
@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2_000)
def test_a_body_over_the_size_limit_is_a_413(api, support_user):
    ticket = create_ticket(support_user)
    body = '{"direction": "inbound", "text": "%s"}' % ("x" * 3_000)
    assert_json_error(send(api, "post", f"{API}/tickets/{ticket.pk}/call-notes/", body), status=413)
    assert not ticket.call_notes.exists()


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/tickets/new/?q=%00", "/tickets/new/lookup/?q=%00", "/tickets/?q=Dr%00ucker", "/customers/?q=%00"],
)
def test_a_nul_character_in_a_page_address_is_a_400(web, url):
    response = web.get(url, headers={"HX-Request": "true"} if "lookup" in url else {})
    assert response.status_code == 400


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize("url", [f"{API}/customers/?q=%00", f"{API}/tickets/?q=a%00b", f"{API}/tickets/%00/"])
def test_a_nul_character_in_an_api_address_is_a_400_json(api, url):
    assert_json_error(api.get(url))


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize("version", ["²", "9" * 5_000, "-1", "1e9"])
def test_a_garbled_form_version_is_a_conflict_not_a_500(web, support_user, version):
    ticket = create_ticket(support_user)
    response = web.post(
        f"/tickets/{ticket.pk}/edit/",
        {"version": version, "summary": "Neue Zusammenfassung", "reason": "Tippfehler"},
    )
    assert response.status_code == 409
    ticket.refresh_from_db()
    assert ticket.summary == "Rezeptdruck bricht ab"
