import pytest


@pytest.mark.django_db
def test_it_speaks_german_whatever_the_browser_asks_for(web):
    page = web.get("/tickets/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.headers["Content-Language"] == "de"
    assert "Vorgänge" in page.content.decode()


@pytest.mark.django_db
def test_it_switches_to_english_on_request_and_back(web):
    web.post("/i18n/setlang/", {"language": "en", "next": "/tickets/"})
    assert web.get("/tickets/").headers["Content-Language"] == "en"
    web.post("/i18n/setlang/", {"language": "de", "next": "/tickets/"})
    assert web.get("/tickets/").headers["Content-Language"] == "de"


@pytest.mark.django_db
def test_an_unknown_language_cookie_falls_back_to_german(web, settings):
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert web.get("/tickets/").headers["Content-Language"] == "de"
