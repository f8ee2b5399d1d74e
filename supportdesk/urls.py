from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework.routers import DefaultRouter

from attachments.urls import api_urlpatterns as attachment_api
from audit.views import obtain_auth_token
from capa.api import CapaViewSet
from customers.api import CustomerViewSet
from instructions.api import RevisionCreateView, RevisionSignView, WorkInstructionView
from outbox.api import OutboxViewSet
from solutions.api import KnownSolutionViewSet
from supportdesk.schema_views import SchemaView, SwaggerView
from tickets.api import ProgramRequestViewSet, TicketViewSet
from tickets.incoming import CallViewSet
from tickets.outgoing import TicketEmailsView

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="api-customer")
router.register("tickets", TicketViewSet, basename="api-ticket")
router.register("program-requests", ProgramRequestViewSet, basename="api-program-request")
router.register("solutions", KnownSolutionViewSet, basename="api-solution")
router.register("calls", CallViewSet, basename="api-call")
router.register("outbox", OutboxViewSet, basename="api-outbox")
router.register("capa", CapaViewSet, basename="api-capa")

api_v1 = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("auth/", include("rest_framework.urls")),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    *attachment_api,  # before the router: tickets/<id>/attachments/
    path("work-instruction/", WorkInstructionView.as_view(), name="api-work-instruction"),
    path("work-instruction/revisions/", RevisionCreateView.as_view(), name="api-work-instruction-revisions"),
    path(
        "work-instruction/revisions/<int:pk>/sign/",
        RevisionSignView.as_view(),
        name="api-work-instruction-sign",
    ),
    path("tickets/<int:pk>/emails/", TicketEmailsView.as_view(), name="api-ticket-emails"),
    path("", include(router.urls)),
]


def favicon(request):
    """Browsers and other clients ask for /favicon.ico whatever the page says."""
    return redirect(static("favicon.ico"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("accounts/", include("accounts.urls")),  # before Django's: its own login page
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("tickets.urls")),
    path("", include("customers.urls")),
    path("", include("audit.urls")),
    path("", include("reports.urls")),
    path("", include("capa.urls")),
    path("", include("solutions.urls")),
    path("", include("outbox.urls")),
    path("", include("mailin.urls")),
    path("", include("attachments.urls")),
    path("", include("instructions.urls")),
]


def _json_or_page(status, message, page):
    """Under /api/ every error is JSON (DESIGN §7); elsewhere Django's page."""

    def handler(request, *args, **kwargs):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": str(message())}, status=status)
        return page(request, *args, **kwargs)

    return handler


handler400 = _json_or_page(400, lambda: _("Ungültige Anfrage."), defaults.bad_request)
handler403 = _json_or_page(403, lambda: _("Keine Berechtigung."), defaults.permission_denied)
handler404 = _json_or_page(404, lambda: _("Nicht gefunden."), defaults.page_not_found)
handler500 = _json_or_page(
    500, lambda: _("Interner Fehler; der Vorfall wurde protokolliert."), defaults.server_error
)
