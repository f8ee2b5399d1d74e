"""Customers, contacts and the caller lookup over the API (DESIGN §7)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.models import Contact, Customer
from tests.factories import ContactFactory, CustomerFactory

API = "/api/v1"


def lookup(api, **params):
    response = api.get(f"{API}/customers/", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.django_db
def test_it_creates_a_customer_with_201(api):
    response = api.post(
        f"{API}/customers/",
        {
            "customer_number": "K-4711",
            "name": "Sanitätshaus Rhein GmbH",
            "street": "Königsallee 1",
            "postal_code": "40212",
            "city": "Düsseldorf",
            "phone": "0211 1234567",
            "email": "info@rhein.example",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customer_number"] == "K-4711"
    assert body["phone_e164"] == "+492111234567"
    assert body["contacts"] == []
    customer = Customer.objects.get(pk=body["id"])
    assert customer.city == "Düsseldorf"
    assert customer.history.get().history_change_reason == "create"


@pytest.mark.req("R14")
@pytest.mark.django_db
def test_it_refuses_a_duplicate_customer_number_with_400(api):
    CustomerFactory(customer_number="K-4711", name="Alt")
    response = api.post(f"{API}/customers/", {"customer_number": "K-4711", "name": "Neu"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["customer_number"]
    assert Customer.objects.get().name == "Alt"


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["abc", "0211 123456789012345678901", "+99 123", "0211\x001234567"])
def test_it_refuses_an_invalid_phone_number_with_400(api, phone):
    response = api.post(
        f"{API}/customers/", {"customer_number": "K1", "name": "X", "phone": phone}, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["phone"]
    assert not Customer.objects.exists()


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize("value", [["Sanitätshaus"], {"name": "Sanitätshaus"}, 42, True])
def test_it_refuses_a_customer_name_that_is_no_text(api, value):
    response = api.post(f"{API}/customers/", {"customer_number": "K1", "name": value}, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["name"]
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_it_adds_a_contact_to_a_customer_with_201(api):
    customer = CustomerFactory()
    response = api.post(
        f"{API}/customers/{customer.pk}/contacts/",
        {"name": "Frau Müller", "phone": "0171 2345678", "email": "mueller@example.test"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["customer"] == customer.pk
    assert response.json()["phone_e164"] == "+491712345678"
    contact = Contact.objects.get()
    assert contact.customer == customer
    assert [c["name"] for c in api.get(f"{API}/customers/{customer.pk}/").json()["contacts"]] == [
        "Frau Müller"
    ]


@pytest.mark.req("R14")
@pytest.mark.django_db
def test_it_refuses_a_contact_without_a_name_or_with_a_bad_phone(api):
    customer = CustomerFactory()
    response = api.post(f"{API}/customers/{customer.pk}/contacts/", {"phone": "xyz"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"name", "phone"}
    assert not Contact.objects.exists()
    assert api.post(f"{API}/customers/987654/contacts/", {"name": "X"}, format="json").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    [
        "0211 1234567",
        "0211/123 45 67",
        "0049 211 1234567",
        "+49 (0)211 1234567",
        "+49 211 1234567",
        "+492111234567",
        "02111234567",
        "0211-1234567",
        "(0211) 12 34 56 7",
    ],
)
def test_it_finds_the_caller_by_any_common_spelling_of_the_number(api, typed):
    wanted = CustomerFactory(name="Sanitätshaus Rhein", phone="+49 211 1234567")
    CustomerFactory(name="Sanitätshaus Ruhr", phone="0201 7654321")
    ContactFactory(customer=wanted, name="Frau Rhein", phone="0171 1112223")

    results = lookup(api, phone=typed)

    assert [r["id"] for r in results] == [wanted.pk]
    assert [c["name"] for c in results[0]["contacts"]] == ["Frau Rhein"]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["0171 9876543", "+49 171 9876543", "0049171/98 76 543"])
def test_it_finds_the_customer_by_a_contacts_number(api, typed):
    wanted = CustomerFactory(name="Sanitätshaus Rhein", phone="0211 1234567")
    ContactFactory(customer=wanted, name="Herr Kontakt", phone="0171 9876543")
    ContactFactory(customer=wanted, name="Frau Zweite", phone="0171 5555555")
    CustomerFactory(name="Sanitätshaus Ruhr", phone="0201 7654321")

    results = lookup(api, phone=typed)

    assert [r["id"] for r in results] == [wanted.pk]
    assert sorted(c["name"] for c in results[0]["contacts"]) == ["Frau Zweite", "Herr Kontakt"]


@pytest.mark.django_db
def test_it_finds_nobody_for_a_number_nobody_has(api):
    CustomerFactory(phone="0211 1234567")
    assert lookup(api, phone="0221 9999999") == []
    assert lookup(api, phone="12") == []


@pytest.mark.django_db
def test_it_finds_customers_by_name_and_by_contact_name(api):
    rhein = CustomerFactory(name="Sanitätshaus Rhein")
    ruhr = CustomerFactory(name="Orthopädie Ruhr")
    ContactFactory(customer=ruhr, name="Hildegard Rheinländer")
    ContactFactory(customer=ruhr, name="Otto Rheinberger")
    CustomerFactory(name="Reha Mosel")

    assert sorted(r["id"] for r in lookup(api, q="rhein")) == sorted([rhein.pk, ruhr.pk])
    assert [r["id"] for r in lookup(api, q="Hildegard")] == [ruhr.pk]
    assert [r["id"] for r in lookup(api, q="sanitätshaus")] == [rhein.pk]
    results = lookup(api, q="Otto")
    assert len(results) == 1
    assert len(results[0]["contacts"]) == 2


# --- any formatting of a stored German number finds it ---------------------------------------------------

SEPARATORS = st.sampled_from(["", " ", "/", "-", " / ", " - ", "  "])


@st.composite
def spellings(draw, area, subscriber):
    """A German number as people type it: +49/0049/0 prefixes, optional (0), separators anywhere."""
    prefix = draw(
        st.sampled_from(["0", "+49 ", "+49", "0049 ", "0049", "+49 (0)", "+49(0)", "(0", "0049 (0)"])
    )
    area_text = f"{area})" if prefix == "(0" else area
    parts = []
    rest = subscriber
    while rest:
        cut = draw(st.integers(min_value=1, max_value=len(rest)))
        parts.append(rest[:cut])
        rest = rest[cut:]
    subscriber_text = "".join(part + draw(SEPARATORS) for part in parts[:-1]) + parts[-1]
    return f"{draw(st.sampled_from(['', ' ']))}{prefix}{area_text}{draw(SEPARATORS)}{subscriber_text}"


NUMBER_LIST = [
    ("211", "1234567"),
    ("30", "12345678"),
    ("89", "4567890"),
    ("2131", "765432"),
    ("171", "9876543"),
]
NUMBERS = st.sampled_from(NUMBER_LIST)


@pytest.mark.django_db
def test_it_finds_a_stored_german_number_however_it_is_typed(api):
    customers = {
        (area, subscriber): CustomerFactory(name=f"Kunde {area}", phone=f"0{area} {subscriber}")
        for area, subscriber in NUMBER_LIST
    }
    for customer in customers.values():
        ContactFactory(customer=customer)

    @settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def check(data):
        area, subscriber = data.draw(NUMBERS)
        typed = data.draw(spellings(area, subscriber))
        results = lookup(api, phone=typed)
        assert customers[(area, subscriber)].pk in [r["id"] for r in results], typed
        assert all(r["contacts"] for r in results)

    check()
