"""Issue 14: the ticket list, the customer list and the API lists cost the same however many rows
there are: a fixed number of queries, no exact count beyond a limit, a picker instead of an <option>
for every customer or user, and (PostgreSQL) an index for every filter, sort and search."""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers import selectors as customer_selectors
from customers.models import Customer
from supportdesk.api import Pagination
from supportdesk.pages import CappedPaginator
from tests.factories import CustomerFactory, UserFactory, create_ticket, run, ticket_in_state, user_with_role
from tickets import selectors
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db


def list_url(**query):
    return reverse("ticket-list") + ("?" + urlencode(query) if query else "")


def options_url(name, **query):
    return reverse("ticket-filter-options", args=[name]) + "?" + urlencode(query)


def numbers_on(response):
    return [ticket.number for ticket in response.context["page"].object_list]


def queries(get, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


# --- fixed queries at 3 and 300 rows ------------------------------------------------------------


def test_the_lists_run_as_many_queries_for_300_tickets_as_for_3(
    web, api, support_user, management_user, django_assert_max_num_queries
):
    customers = [CustomerFactory(name=f"Sanitätshaus Acme {i}") for i in range(30)]

    def grow(n):
        for i in range(n):
            ticket = create_ticket(support_user, customer=customers[i % 30], summary="Rezeptdruck bricht ab")
            if i % 10 == 0:
                run(ticket, "triage", management_user)

    chosen = customers[0]
    urls = [
        list_url(),
        list_url(q="Rezept", sort="follow_up"),
        list_url(q="Acme"),
        list_url(state="intake", sort="-updated", page=2),
        list_url(customer=chosen.pk, customer_search="Acme", assignee=support_user.pk, assignee_search="u"),
        options_url("customer", customer=chosen.pk, customer_search="Acme"),
        options_url("assignee", assignee_search="u"),
        reverse("customer-list"),
        reverse("customer-list") + "?q=Acme",
        "/api/v1/tickets/",
        "/api/v1/tickets/?q=Rezept&page=2&page_size=2",
        "/api/v1/customers/?q=Acme",
    ]

    def get(url):
        return (api if url.startswith("/api/") else web).get(url)

    grow(3)
    for url in urls:
        get(url)  # the first request reads the user's roles once
    few = {url: queries(get, url) for url in urls}
    grow(297)
    for url in urls:
        with django_assert_max_num_queries(few[url]):
            assert get(url).status_code == 200
    assert len(numbers_on(web.get(list_url()))) == selectors.PAGE_SIZE
    assert api.get("/api/v1/tickets/").json()["count"] == 300


# --- no count beyond the limit ------------------------------------------------------------------


def test_the_list_says_more_than_the_limit_instead_of_counting_every_ticket(web, support_user, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "limit", 50)
    customer = CustomerFactory()
    for _ in range(55):
        create_ticket(support_user, customer=customer)
    first = web.get(list_url())
    html = first.content.decode()
    assert "mehr als 50 Vorgänge" in html
    assert "Seite 1<" in html and "Seite 1 von" not in html
    assert 'rel="next"' in html
    last = web.get(list_url(page=2))
    assert len(numbers_on(last)) == 25
    assert 'rel="next"' not in last.content.decode()
    assert "Die Liste zeigt die ersten 50 Vorgänge" in last.content.decode()
    assert numbers_on(web.get(list_url(page=9))) == numbers_on(last)  # no page beyond the limit


def test_the_list_counts_exactly_below_the_limit(web, support_user, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "limit", 50)
    for _ in range(3):
        create_ticket(support_user)
    html = web.get(list_url()).content.decode()
    assert "3 Vorgänge" in html and "mehr als" not in html


def test_a_text_search_counts_nothing_and_pages_on_by_one_row_more(web, support_user):
    customer = CustomerFactory()
    for _ in range(30):
        create_ticket(support_user, customer=customer, summary="Kostenvoranschlag abgelehnt")
    create_ticket(support_user, customer=customer, summary="Etikettendruck")
    with CaptureQueriesContext(connection) as captured:
        first = web.get(list_url(q="Kostenvoranschlag"))
    assert not any("COUNT(" in query["sql"].upper() for query in captured)
    html = first.content.decode()
    assert "mehr als 25 Vorgänge" in html and "Seite 1<" in html and 'rel="next"' in html
    last = web.get(list_url(q="Kostenvoranschlag", page=2))
    assert len(numbers_on(last)) == 5
    html = last.content.decode()
    assert "30 Vorgänge" in html and "Seite 2 von 2" in html and 'rel="next"' not in html
    assert numbers_on(web.get(list_url(q="Kostenvoranschlag", page=7))) == numbers_on(last)
    assert "1 Vorgang<" in web.get(list_url(q="Etikettendruck")).content.decode()


def test_the_customer_list_says_more_than_the_limit(web, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "limit", 25)
    for _ in range(26):
        CustomerFactory()
    assert "mehr als 25 Kunden gefunden" in web.get(reverse("customer-list")).content.decode()


@pytest.mark.req("R14")
def test_the_api_counts_up_to_its_limit_and_pages_on_to_the_end(api, support_user, monkeypatch):
    monkeypatch.setattr(Pagination, "count_limit", 5)
    for _ in range(8):
        create_ticket(support_user)
    first = api.get("/api/v1/tickets/?page_size=3").json()
    assert (first["count"], len(first["results"]), first["previous"]) == (5, 3, None)
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    assert (third["count"], len(third["results"]), third["next"]) == (5, 2, None)
    assert "page=2" in third["previous"]
    assert len({t["id"] for body in (first, second, third) for t in body["results"]}) == 8
    monkeypatch.setattr(Pagination, "count_limit", 10_000)
    assert api.get("/api/v1/tickets/?page_size=3").json()["count"] == 8


def test_an_api_text_search_counts_no_further_than_it_reads(api, support_user):
    customer = CustomerFactory()
    for _ in range(5):
        create_ticket(support_user, customer=customer, summary="Kostenvoranschlag abgelehnt")
    with CaptureQueriesContext(connection) as captured:
        first = api.get("/api/v1/tickets/?q=Kostenvoranschlag&page_size=2").json()
    assert not any("COUNT(" in query["sql"].upper() for query in captured)
    assert (first["count"], len(first["results"])) == (3, 2)  # two, and one more: a next page
    last = api.get("/api/v1/tickets/?q=Kostenvoranschlag&page_size=2&page=3").json()
    assert (last["count"], len(last["results"]), last["next"]) == (5, 1, None)


@pytest.mark.req("R14")
@pytest.mark.parametrize("page", ["0", "4", "abc", "²", "9" * 30])
def test_the_api_answers_a_page_that_does_not_exist_with_404_json(api, support_user, page):
    create_ticket(support_user)
    response = api.get(f"/api/v1/tickets/?page={page}&page_size=1")
    assert response.status_code == 404
    assert "detail" in response.json()


# --- the customer and assignee pickers --------------------------------------------------------


def test_the_list_offers_no_option_for_every_customer(web, support_user):
    customers = [CustomerFactory(name=f"Orthopädie Beispiel {i}") for i in range(30)]
    create_ticket(support_user, customer=customers[0])
    html = web.get(list_url()).content.decode()
    assert not any(customer.name in html for customer in customers[1:])
    assert '<input type="search" name="customer_search" id="id_customer_search"' in html
    assert '<label for="id_customer_search">Kunde</label>' in html
    assert 'aria-label="Kunde auswählen"' in html


def test_the_picker_offers_the_customers_matching_the_typed_text_by_name_or_number(web):
    acme = CustomerFactory(name="Sanitätshaus Acme", customer_number="K-4711")
    CustomerFactory(name="Orthopädie Kaiser")
    response = web.get(options_url("customer", customer_search="acme"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{acme.pk}">Sanitätshaus Acme (K-4711)</option>' in html
    assert "Kaiser" not in html
    assert '<option value="">alle</option>' in html
    assert 'id="id_customer_status" hx-swap-oob="innerHTML">1 Treffer.' in html
    assert (
        f'<option value="{acme.pk}">'
        in web.get(options_url("customer", customer_search="4711")).content.decode()
    )


def test_the_picker_keeps_the_chosen_customer_first_and_selected(web):
    chosen = CustomerFactory(name="Zentrum Zeller")
    CustomerFactory(name="Sanitätshaus Acme")
    html = web.get(options_url("customer", customer=chosen.pk, customer_search="Acme")).content.decode()
    assert html.index(f'<option value="{chosen.pk}" selected>') < html.index("Acme")
    assert "1 Treffer." in html  # the chosen one does not count as a match


def test_the_picker_offers_at_most_20_and_says_to_search_closer(web):
    for i in range(25):
        CustomerFactory(name=f"Sanitätshaus Nummer {i}")
    html = web.get(options_url("customer", customer_search="Sanit")).content.decode()
    assert html.count("<option value=") == 21  # "alle" and 20 customers
    assert "Mehr als 20 Treffer – bitte genauer suchen." in html


def test_the_picker_says_when_nothing_matches(web):
    CustomerFactory(name="Sanitätshaus Acme")
    html = web.get(options_url("customer", customer_search="gibt es nicht")).content.decode()
    assert html.count("<option value=") == 1
    assert "Keine Treffer." in html


def test_the_assignee_picker_offers_active_users_before_anything_is_typed(web, support_user):
    gone = UserFactory(first_name="Ehemalig", is_active=False)
    html = web.get(options_url("assignee")).content.decode()
    assert f'<option value="{support_user.pk}">' in html
    assert f'<option value="{gone.pk}"' not in html
    colleague = user_with_role("support", first_name="Zora", last_name="Zimmermann")
    html = web.get(options_url("assignee", assignee_search="zimmer")).content.decode()
    assert f'<option value="{colleague.pk}">Zora Zimmermann</option>' in html
    assert f'<option value="{support_user.pk}">' not in html


def test_without_javascript_the_search_box_goes_with_the_form_and_the_page_offers_its_matches(
    web, support_user
):
    acme = CustomerFactory(name="Sanitätshaus Acme")
    create_ticket(support_user, customer=acme)
    html = web.get(list_url(customer_search="Acme")).content.decode()
    assert f'<option value="{acme.pk}">Sanitätshaus Acme' in html
    assert 'value="Acme"' in html
    assert "1 Treffer." in html


def test_the_list_still_filters_by_the_customer_id_the_picker_sends(web, support_user):
    acme, other = CustomerFactory(), CustomerFactory()
    mine = create_ticket(support_user, customer=acme)
    create_ticket(support_user, customer=other)
    assert numbers_on(web.get(list_url(customer=acme.pk, customer_search="egal"))) == [mine.number]


@pytest.mark.req("R14")
@pytest.mark.parametrize(
    "url",
    [
        "/tickets/filter/customer/?customer=abc&customer_search=" + "x" * 500,
        "/tickets/filter/customer/?customer=99999999999999999999999",
        "/tickets/filter/assignee/?assignee=%C2%B2",
    ],
)
def test_the_picker_takes_bad_input_without_failing(web, url):
    assert web.get(url).status_code == 200


def test_the_picker_knows_only_its_two_filters_and_needs_a_login(web, client):
    assert web.get("/tickets/filter/state/").status_code == 404
    assert web.post(options_url("customer")).status_code == 405
    response = client.get(options_url("customer", customer_search="a"))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_follow_up_order_of_tickets_in_a_state_without_dates_is_the_default_one(web, support_user):
    closed = [ticket_in_state(State.CLOSED, support_user) for _ in range(3)]
    newest_first = [ticket.number for ticket in reversed(closed)]
    for sort in ("follow_up", "-follow_up"):
        assert numbers_on(web.get(list_url(state="closed", sort=sort))) == newest_first


# --- the text search ----------------------------------------------------------------------------


def test_the_search_finds_part_of_a_ticket_number_and_part_of_a_customer_name(web, support_user):
    acme = CustomerFactory(name="Sanitätshaus Acme-Nord")
    ticket = create_ticket(support_user, customer=acme)
    other = create_ticket(support_user)
    assert numbers_on(web.get(list_url(q=ticket.number[-6:]))) == [ticket.number]
    assert numbers_on(web.get(list_url(q="acme-n"))) == [ticket.number]
    assert other.number not in numbers_on(web.get(list_url(q="Acme")))


# --- PostgreSQL: indexes, not sequential scans ----------------------------------------------------

# Each filter and search with the indexes that may find its rows (the count's plan shows which), or
# each sort with the index that gives its order (the page's plan: no sorting of every match).
FILTER = "tickets_tic_state_48502d_idx", "tickets_ticket_open_", "tickets_ticket_dated_"
PLANS = [
    ({}, "tickets_ticket_created"),
    ({"sort": "number"}, "tickets_ticket_number_key"),
    ({"sort": "updated"}, "tickets_ticket_updated"),
    ({"sort": "follow_up"}, "tickets_ticket_follow_up "),
    ({"sort": "-follow_up"}, "tickets_ticket_follow_up_desc"),
    ({"state": "escalated"}, (*FILTER[:2], "tickets_ticket_escalated_number")),
    ({"state": "open", "sort": "created"}, "tickets_ticket_open_by_created"),
    ({"state": "open", "sort": "updated"}, "tickets_ticket_open_by_updated"),
    ({"state": "open", "sort": "number"}, "tickets_ticket_open_by_number"),
    ({"channel": "email"}, ("tickets_ticket_channel_created",)),
    ({"follow_up_due": "true"}, FILTER),
    ({"category": "question"}, ("tickets_ticket_category_created",)),
    ({"risk_relevant": "true"}, ("tickets_ticket_risk_created",)),
    ({"customer": "{customer}"}, ("tickets_ticket_customer",)),
    ({"assignee": "{user}"}, ("tickets_ticket_assignee", "tickets_ticket_open_assignee")),
    ({"q": "Kostenvoranschlag"}, ("tickets_ticket_search",)),
    ({"q": "2026-000123"}, ("tickets_ticket_number_trgm",)),
    ({"q": "Sanitätshaus Acme"}, ("tickets_ticket_customer",)),
]
MANY = 20_000


def many_tickets(ticket, customers, user):
    """MANY copies of the ticket (SQL, every column copied unless set here): 90 % closed, one in 50
    risk-relevant, one in 17 about a Kostenvoranschlag; then ANALYZE, so the planner sees a table
    of that size and mix."""
    table = Ticket._meta.db_table
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
    states = "CASE WHEN i % 20 = 0 THEN 'escalated' WHEN i % 20 = 1 THEN 'program_request' ELSE 'closed' END"
    set_here = {
        "number": "'2025-' || lpad(i::text, 6, '0')",
        "state": states,
        "summary": "CASE WHEN i % 17 = 0 THEN 'Kostenvoranschlag abgelehnt' ELSE summary END",
        "category": "(ARRAY['software', 'technical', 'question'])[i % 3 + 1]",
        "risk_relevant": "i % 50 = 0",
        "follow_up_date": "CASE WHEN i % 20 < 2 THEN current_date + (i % 30 - 15) END",
        "created_at": "created_at - i * interval '1 minute'",
        "updated_at": "updated_at - (i % 997) * interval '1 hour'",
        "customer_id": f"(ARRAY{[customer.pk for customer in customers]})[i % {len(customers)} + 1]",
        "assignee_id": f"CASE WHEN i % 10 = 0 THEN NULL ELSE {user.pk} END",
    }
    copied = [name for name in columns if name not in ("id", "search_vector")]
    values = ", ".join(set_here.get(name, name) for name in copied)
    with connection.cursor() as cursor:
        cursor.execute(  # no parameters: the SQL's % are modulo
            f"INSERT INTO {table} ({', '.join(copied)}) SELECT {values} "
            f"FROM {table}, generate_series(1, {MANY}) AS i WHERE id = {ticket.pk}"
        )
        cursor.execute(f"ANALYZE {table}")


def plan(queryset, *, seqscan=True) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if not seqscan:  # a small table is read whole (cheaper there); is there an index path?
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres_only
def test_every_filter_sort_and_search_of_the_list_is_read_from_an_index(support_user):
    customers = [CustomerFactory(name=f"Reha-Technik {i}") for i in range(200)]
    acme = CustomerFactory(name="Sanitätshaus Acme")
    many_tickets(create_ticket(support_user, customer=acme), customers, support_user)
    wrong = []
    for query, expected in PLANS:
        query = {
            key: value.format(customer=customers[0].pk, user=support_user.pk) for key, value in query.items()
        }
        filterset = selectors.ticket_list(QueryDict(urlencode(query)))
        assert filterset.is_valid(), filterset.errors
        page = plan(filterset.qs[: selectors.PAGE_SIZE + 1], seqscan=False)
        count = plan(filterset.qs.order_by().values("pk")[: CappedPaginator.limit + 1], seqscan=False)
        if isinstance(expected, str) and (expected not in page or "Sort Key" in page):
            wrong.append(f"{query} sorts without {expected}:\n{page}")
        if isinstance(expected, tuple) and not any(name in count for name in expected):
            wrong.append(f"{query} finds its rows without {expected}:\n{count}")
        if "Seq Scan on tickets_ticket" in page + count or ("q" not in query and "Sort Key" in page):
            # a filter's rows come newest first from its own index, never sorted
            wrong.append(f"{query} reads or sorts every ticket:\n{page}\n{count}")
    assert not wrong, "\n\n".join(wrong)


@pytest.mark.postgres_only
def test_the_keys_of_a_page_not_due_by_follow_up_date_come_from_the_index_alone(support_user):
    """KeysFirstPaginator: the due follow-ups passed over on the way are read from the index."""
    many_tickets(create_ticket(support_user), [CustomerFactory()], support_user)
    filterset = selectors.ticket_list(QueryDict("follow_up_due=false&sort=follow_up"))
    assert filterset.is_valid(), filterset.errors
    keys = plan(filterset.qs.values_list("pk", flat=True)[: selectors.PAGE_SIZE])
    assert "Index Only Scan using tickets_ticket_follow_up " in keys, keys


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    ("matching", "text"),
    [
        (customer_selectors.matching_text, "Müller"),
        (customer_selectors.matching_text, "K-4711"),
        (customer_selectors.matching_phone, "0211 4711"),
    ],
)
def test_the_customer_search_is_read_from_indexes(matching, text):
    sql = plan(matching(Customer.objects.all(), text), seqscan=False)
    assert "Seq Scan on customers_c" not in sql, sql
