import pytest

from tests.factories import CustomerFactory, tomorrow


@pytest.mark.django_db
def test_it_walks_a_program_request_from_intake_to_closed(api):
    customer = CustomerFactory()
    r = api.post(
        "/api/v1/tickets/",
        {
            "customer": customer.pk,
            "caller_name": "Frau A",
            "caller_phone": "0211 1",
            "summary": "Druck",
            "description": "bricht ab",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    t = r.json()
    assert t["state"] == "intake" and t["number"].endswith("-000001")
    steps = [
        ("triage", {"category": "software", "risk_relevant": False}),
        ("escalate", {"problem_description": "x", "vendor_contact_summary": "y"}),
        (
            "register_program_request",
            {"kind": "wish", "vendor_reference": "PW1", "follow_up_date": str(tomorrow())},
        ),
        ("follow_up", {"note": "SIC arbeitet", "next_follow_up_date": str(tomorrow())}),
        ("realize", {"release": "12.4"}),
    ]
    for name, data in steps:
        r = api.post(f"/api/v1/tickets/{t['id']}/transitions/{name}/", data, format="json")
        assert r.status_code == 200, (name, r.json())
    r = api.post(f"/api/v1/tickets/{t['id']}/transitions/close/", {}, format="json")
    assert r.status_code == 409, r.json()
    r = api.post(
        f"/api/v1/tickets/{t['id']}/notifications/", {"kind": "realized", "channel": "phone"}, format="json"
    )
    assert r.status_code == 201
    r = api.post(f"/api/v1/tickets/{t['id']}/transitions/close/", {}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "closed"
    r = api.get(f"/api/v1/tickets/{t['id']}/history/")
    print(r.json())
    assert [e["reason"] for e in r.json()["results"]] == [
        "intake",
        "triage",
        "escalate",
        "register_program_request",
        "follow_up",
        "realize",
        "close",
    ]
