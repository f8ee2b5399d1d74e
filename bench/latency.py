r"""Latency benchmark (not a test): every page and API call of issue 14's table, through a real server.

It starts gunicorn (2 sync workers, DEBUG off) on 127.0.0.1 against DATABASE_URL, or measures one
already running (--url; it must use the same database). It signs in through the login form (CSRF),
as bench-support and as bench-qmb (/reports/, /audit/), then for every page: 3 warm-ups and n = 50
sequential requests, median and p95 in ms, each as a ratio to the login_required floor measured in
the same run: the cheapest signed-in request, GET /tickets/new/lookup/ without htmx, which checks the
session, the user and the role and redirects. The ticket list is also swept: every filter with every
sort, 1 warm-up and --sweep (20) requests each; the table lists the one with the highest median. Then
8 concurrent clients for 20 s on /tickets/ (requests per second). Last, SQL queries per page: each
page once more in this process (Django's test client and CaptureQueriesContext on the same database)
inside a transaction that is rolled back.

The intake POST creates 53 tickets (3 warm-ups + 50); the triage, immediate-fix, customer-information
and close POSTs take exactly those from the call to the close: these write to the database, nothing
else does (but the sessions and sign-in events of the logins).
Data: bench/generate.py (its users and password, BENCH_PASSWORD).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_100k
    .venv/bin/python bench/latency.py                  # prints the Markdown table
    .venv/bin/python bench/latency.py --n 20 --seconds 5   # quicker
"""

import argparse
import http.client
import math
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from customers.models import Customer  # noqa: E402
from tickets.models import (  # noqa: E402
    CallNote,
    Category,
    CustomerNotification,
    ReportChannel,
    RiskReview,
    State,
    Ticket,
)
from tickets.selectors import SORTS  # noqa: E402
from vendor.models import VendorContact  # noqa: E402

PASSWORD = os.environ.get("BENCH_PASSWORD") or "Bench-SaniVision-2026"
SUPPORT, QMB = "bench-support", "bench-qmb"
FLOOR = "login_required floor"
SUGGESTION = {
    "summary": "Kostenvoranschlag lässt sich nicht senden",
    "description": "Beim Senden des eKV an die Kasse erscheint eine Fehlermeldung.",
}


class Session:
    """A browser's cookies and CSRF token against one server; one connection per request (gunicorn's
    sync workers close it after each response). The cookies are Secure with DEBUG off: kept here."""

    def __init__(self, host: str, port: int):
        self.host, self.port, self.cookies = host, port, {}

    def request(self, method: str, path: str, body: dict | None = None, headers=None):
        headers = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode({"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **body})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        connection_ = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            connection_.request(method, path, body=data, headers=headers)
            response = connection_.getresponse()
            content = response.read()
        finally:
            connection_.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location", ""), content

    def login(self, username: str) -> None:
        status, _location, page = self.request("GET", "/accounts/login/")
        if status != 200:
            raise SystemExit(f"GET /accounts/login/ answered {status}")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, location, _page = self.request(
            "POST",
            "/accounts/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        if status != 302 or "/accounts/login/" in location:
            raise SystemExit(
                f"Login as {username} failed ({status}): run bench/generate.py, check BENCH_PASSWORD"
            )


@dataclass
class Page:
    label: str
    path: str
    user: str = SUPPORT
    method: str = "GET"
    expect: int = 200
    htmx: bool = False
    # A dict, or a function (tickets created so far, the request's number) → (path, dict).
    body: object = None
    creates: bool = False  # answers with the Location of a new ticket
    times: list = field(default_factory=list)
    queries: int | None = None

    def request(self, created: list[int], i: int):
        if callable(self.body):
            return self.body(created, i)
        return self.path, self.body

    def send(self, session: Session, created: list[int], i: int):
        path, body = self.request(created, i)
        headers = {"HX-Request": "true"} if self.htmx else None
        status, location, _content = session.request(self.method, path, body, headers)
        if status != self.expect:
            raise SystemExit(f"{self.label}: {self.method} {path} answered {status}, not {self.expect}")
        return location


def percentile(values, share: float) -> float:
    """Nearest rank: the value below which `share` of the values lie."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def busiest_customer() -> Customer:
    return Customer.objects.filter(active=True).annotate(n=Count("tickets")).order_by("-n", "pk").first()


def pages() -> list[Page]:
    """The pages of issue 14's table, on objects picked from the data (read only)."""
    ticket = (
        Ticket.objects.filter(state="closed", resolution_kind="vendor_solution")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    detail = ticket[ticket.count() // 2]
    rows = sum(
        model.history.filter(**{key: detail}).count()
        for model, key in ((Ticket, "id"), (CallNote, "ticket_id"), (CustomerNotification, "ticket_id"),
                           (VendorContact, "ticket_id"), (RiskReview, "ticket_id"))
    )  # fmt: skip
    number = Ticket.objects.filter(pk=detail).values_list("number", flat=True).get()
    customer = busiest_customer()
    caller = customer.phone[: len(customer.phone) - 3]  # the number half typed
    intake = {
        "customer": customer.pk,
        "caller_name": "Frau Benchmark",
        "caller_phone": customer.phone,
        "summary": "Kostenvoranschlag wird nicht übertragen",
        "description": "Beim Senden des Kostenvoranschlags an die Kasse erscheint eine Fehlermeldung.",
        "note": "",
    }
    triage = {
        "category": "software",
        "risk_relevant": "false",
        "risk_description": "",
        "is_complaint": "false",
        "expected_state": "intake",
    }

    fix = {
        "resolution_kind": "question_answered",
        "solution": "Die Kasse nimmt Kostenvoranschläge nur mit gültiger IK-Nummer an; eingetragen.",
        "expected_state": "triage",
    }

    def triage_next(created, i):
        return f"/tickets/{created[i]}/transitions/triage/", triage

    def fix_next(created, i):
        return f"/tickets/{created[i]}/transitions/fix_immediately/", fix

    def inform_next(created, i):
        return f"/tickets/{created[i]}/notifications/", {"kind": "solution", "channel": "phone", "note": ""}

    def close_next(created, i):
        return f"/tickets/{created[i]}/transitions/close/", {"expected_state": "immediate_fix"}

    return [
        Page(
            FLOOR + " (`GET /tickets/new/lookup/` without htmx: session, user, role, 302)",
            "/tickets/new/lookup/",
            expect=302,
        ),
        Page("dashboard `/`", "/"),
        Page("ticket list `/tickets/`", "/tickets/"),
        Page("`/tickets/?state=escalated`", "/tickets/?state=escalated"),
        Page("`/tickets/?q=Kostenvoranschlag`", "/tickets/?q=Kostenvoranschlag"),
        Page(f"ticket page `/tickets/{detail}/` ({rows} history rows)", f"/tickets/{detail}/"),
        Page("`/customers/`", "/customers/"),
        Page("`/customers/?q=Müller`", "/customers/?q=" + urllib.parse.quote("Müller")),
        Page(f"customer page `/customers/{customer.pk}/` (most tickets)", f"/customers/{customer.pk}/"),
        Page("`/program-requests/`", "/program-requests/"),
        Page("follow-ups `/follow-ups/`", "/follow-ups/"),
        Page("`/reports/` (qmb)", "/reports/", user=QMB),
        Page("`/audit/` (qmb)", "/audit/", user=QMB),
        Page("`GET /api/v1/tickets/`", "/api/v1/tickets/"),
        Page("`GET /api/v1/tickets/<id>/`", f"/api/v1/tickets/{detail}/"),
        Page("`GET /api/v1/customers/?q=Müller`", "/api/v1/customers/?q=" + urllib.parse.quote("Müller")),
        Page("`GET /api/v1/tickets/?q=Kostenvoranschlag`", "/api/v1/tickets/?q=Kostenvoranschlag"),
        Page(
            f"caller lookup `?q={caller}` (htmx)",
            "/tickets/new/lookup/?q=" + urllib.parse.quote(caller),
            htmx=True,
        ),
        Page(
            "suggestions (htmx)", "/solutions/suggestions/?" + urllib.parse.urlencode(SUGGESTION), htmx=True
        ),
        Page(
            "call banner poll `/calls/banner/` (htmx, every 5 s on every page)", "/calls/banner/", htmx=True
        ),
        Page("`GET /api/v1/calls/`", "/api/v1/calls/"),
        Page("intake page `/tickets/new/`", "/tickets/new/"),
        Page(
            "caller context: intake with the customer picked (htmx)",
            f"/tickets/new/?customer={customer.pk}",
            htmx=True,
        ),
        Page(
            "suggestions with the duplicate warning (htmx)",
            "/solutions/suggestions/?" + urllib.parse.urlencode({**SUGGESTION, "customer": customer.pk}),
            htmx=True,
        ),
        Page("attachments `GET /api/v1/tickets/<id>/attachments/`", f"/api/v1/tickets/{detail}/attachments/"),
        Page("e-mails `GET /api/v1/tickets/<id>/emails/`", f"/api/v1/tickets/{detail}/emails/"),
        Page("links `GET /api/v1/tickets/<id>/links/`", f"/api/v1/tickets/{detail}/links/"),
        Page("header search `/search/?q=<number>` (302 to the ticket)", f"/search/?q={number}", expect=302),
        Page(
            "intake POST `/tickets/new/` (creates a ticket)",
            "/tickets/new/",
            method="POST",
            expect=302,
            body=intake,
            creates=True,
        ),
        Page(
            "triage POST (on the tickets the intake created)", "", method="POST", expect=302, body=triage_next
        ),
        Page("immediate fix POST (on the triaged tickets)", "", method="POST", expect=302, body=fix_next),
        Page(
            "customer information POST (on the solved tickets)",
            "",
            method="POST",
            expect=302,
            body=inform_next,
        ),
        Page("close POST (on the informed tickets)", "", method="POST", expect=302, body=close_next),
    ]


def list_combinations(customer: Customer) -> list[str]:
    """Every filter of the ticket list with every sort: each value of the choice filters, the
    customer with the most tickets, the support user as assignee, and the text search."""
    assignee = get_user_model().objects.get(username=SUPPORT).pk
    filters = [
        "",
        *(f"state={state}" for state in ["open", *State.values]),
        f"customer={customer.pk}",
        f"assignee={assignee}",
        *(f"category={category}" for category in Category.values),
        *(f"channel={channel}" for channel in ReportChannel.values),
        *(f"{name}={value}" for name in ("risk_relevant", "follow_up_due") for value in ("true", "false")),
        "q=Kostenvoranschlag",
    ]
    sorts = ["", *(f"sort={sort}" for sort in SORTS)]
    return ["/tickets/?" + "&".join(part for part in (f, s) if part) for f in filters for s in sorts]


def ticket_id(location: str) -> int:
    return int(re.search(r"/tickets/(\d+)/", location).group(1))


def measure(page: Page, session: Session, n: int, warmups: int, created: list[int]) -> None:
    for i in range(warmups + n):
        started = time.perf_counter()
        location = page.send(session, created, i)
        elapsed = (time.perf_counter() - started) * 1000
        if i >= warmups:
            page.times.append(elapsed)
        if page.creates:
            created.append(ticket_id(location))


def concurrent(host: str, port: int, cookies: dict, clients: int, seconds: float) -> tuple[int, float, int]:
    """`clients` threads requesting /tickets/ for `seconds`: (requests answered, seconds, errors)."""
    done, errors, stop = [0] * clients, [0] * clients, time.perf_counter() + seconds

    def client(k):
        session = Session(host, port)
        session.cookies = dict(cookies)
        while time.perf_counter() < stop:
            status, _location, _content = session.request("GET", "/tickets/")
            done[k] += 1
            errors[k] += status != 200

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done), time.perf_counter() - started, sum(errors)


def count_queries(all_pages: list[Page]) -> None:
    """SQL queries of each page, run once more in this process after a warm-up; rolled back."""
    setup_test_environment()
    User = get_user_model()
    clients = {}
    with transaction.atomic():
        for username in (SUPPORT, QMB):
            clients[username] = Client()
            clients[username].force_login(User.objects.get(username=username))
        created = []
        for page in all_pages:
            for attempt in range(2):  # the second counts: the first fills the process's caches
                path, body = page.request(created, attempt)
                headers = {"HTTP_HX_REQUEST": "true"} if page.htmx else {}
                send = clients[page.user].post if page.method == "POST" else clients[page.user].get
                with CaptureQueriesContext(connection) as queries:
                    response = send(path, body, **headers) if body else send(path, **headers)
                if response.status_code != page.expect:
                    raise SystemExit(f"{page.label}: {response.status_code} in process, not {page.expect}")
                if page.creates:
                    created.append(ticket_id(response["Location"]))
                # Inside this transaction the services' atomic blocks are savepoints: not the page's.
                page.queries = sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"])
        transaction.set_rollback(True)


def start_server(workers: int):
    """gunicorn on a socket bound here (requests wait in its backlog until a worker is up)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "collectstatic-" + "x" * 50},
    )
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "supportdesk.wsgi",
            "--bind",
            f"fd://{listener.fileno()}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        pass_fds=[listener.fileno()],
    )
    return server, listener, listener.getsockname()[1]


def describe_run(load_before: str, load_after: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(c.reltuples), 0)::bigint FROM pg_class c "
            "WHERE c.relkind = 'r' AND c.relname LIKE '%%historical%%'"
        )
        history = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    changes = " with local changes" if dirty.stdout.strip() else ""
    return [
        f"supportdesk at {commit.stdout.strip() or '?'}{changes}, "
        f"{timezone.localtime():%Y-%m-%d %H:%M} Europe/Berlin; PostgreSQL {version.split()[0]}, database "
        f"{connection.settings_dict['NAME']}: {Ticket.objects.count():,} tickets, ≈{history:,} history rows; "
        f"{os.cpu_count()} cores; load average before {load_before}, after {load_after}",
    ]


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="measure this running server instead of starting one (same database)")
    parser.add_argument("--n", type=int, default=50, help="timed requests per page")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients on the ticket list")
    parser.add_argument("--seconds", type=float, default=20, help="how long the concurrent clients run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (when started here)")
    parser.add_argument(
        "--sweep",
        type=int,
        default=20,
        help="timed requests for each filter × sort of the ticket list (0: none); the slowest is listed",
    )
    parser.add_argument(
        "--only", action="append", default=[], help="only the pages whose label contains this (repeatable)"
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to the benchmark's PostgreSQL database (bench/generate.py).")
    if not Ticket.objects.exists():
        sys.exit(f"No tickets in {connection.settings_dict['NAME']}: run bench/generate.py first.")
    load_before = loadavg()
    created: list[int] = []
    all_pages = pages()
    combinations = [Page(path, path) for path in list_combinations(busiest_customer())] if args.sweep else []
    if args.only:  # the floor stays: every page is read as a ratio to it
        all_pages = all_pages[:1] + [p for p in all_pages[1:] if any(text in p.label for text in args.only)]
    server = listener = None
    if args.url:
        address = urllib.parse.urlsplit(args.url)
        host, port = address.hostname, address.port or 80
    else:
        server, listener, port = start_server(args.workers)
        host = "127.0.0.1"
    try:
        sessions = {SUPPORT: Session(host, port), QMB: Session(host, port)}
        for username, session in sessions.items():
            session.login(username)
        for page in all_pages:
            measure(page, sessions[page.user], args.n, args.warmups, created)
            print(f"  {page.label}: median {statistics.median(page.times):.1f} ms", file=sys.stderr)
        for page in combinations:
            measure(page, sessions[page.user], args.sweep, 1, created)
        if combinations:
            slowest = max(combinations, key=lambda page: statistics.median(page.times))
            slowest.label = (
                f"slowest of the {len(combinations)} filter × sort combinations of the ticket list "
                f"(`{slowest.path}`, n = {args.sweep})"
            )
            all_pages.insert(4, slowest)
        answered, seconds, errors = (
            concurrent(host, port, sessions[SUPPORT].cookies, args.clients, args.seconds)
            if args.clients
            else (0, 1, 0)
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
            listener.close()
    count_queries(all_pages)
    load_after = loadavg()
    floor = statistics.median(all_pages[0].times)
    print()
    for line in describe_run(load_before, load_after):
        print(line)
    server_text = f"gunicorn {args.workers} sync workers, DEBUG off" if not args.url else args.url
    print(f"{server_text}; n = {args.n} sequential after {args.warmups} warm-ups, times in ms")
    print()
    print("| page | median | p95 | × floor | SQL queries |")
    print("|---|---:|---:|---:|---:|")
    for page in all_pages:
        median, p95 = statistics.median(page.times), percentile(page.times, 0.95)
        print(f"| {page.label} | {median:,.1f} | {p95:,.1f} | {median / floor:,.1f} | {page.queries} |")
    rate = f"{answered / seconds:.2f} req/s"
    if errors:
        rate += f", {errors} errors"
    print(f"| {args.clients} concurrent clients on `/tickets/` for {seconds:.0f} s | {rate} | | | |")


if __name__ == "__main__":
    main()
