from django.urls import path

from tickets import (
    customer_email,
    dashboard,
    incoming,
    intake,
    jump,
    program_requests,
    queues,
    suggestions,
    views,
)

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("tickets/", views.ticket_list, name="ticket-list"),
    path("search/", jump.jump, name="jump"),
    path("calls/banner/", incoming.banner, name="call-banner"),
    path("calls/<int:pk>/dismiss/", incoming.dismiss, name="call-dismiss"),
    path("tickets/new/", intake.ticket_new, name="ticket-new"),
    path("tickets/new/lookup/", intake.caller_lookup, name="caller-lookup"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket-detail"),
    path("tickets/<int:pk>/edit/", views.ticket_edit, name="ticket-edit"),
    path("tickets/<int:pk>/transitions/<slug:name>/", views.ticket_transition, name="ticket-transition"),
    path("tickets/<int:pk>/call-notes/", views.ticket_call_note, name="ticket-call-note"),
    path("tickets/<int:pk>/notifications/", views.ticket_notification, name="ticket-notification"),
    path("tickets/<int:pk>/vendor-contacts/", views.ticket_vendor_contact, name="ticket-vendor-contact"),
    path("tickets/<int:pk>/email/", customer_email.ticket_email, name="ticket-email"),
    path("tickets/<int:pk>/known-solution/", views.ticket_known_solution, name="ticket-known-solution"),
    path("tickets/<int:pk>/audit-report.pdf", views.ticket_audit_report, name="ticket-audit-report"),
    path("solutions/suggestions/", suggestions.suggestions, name="solution-suggestions"),
    path("follow-ups/", queues.follow_ups, name="follow-ups"),
    path("risk-reviews/", queues.risk_reviews, name="risk-reviews"),
    path("risk-reviews/signed.csv", queues.signed_reviews_csv, name="risk-reviews-signed-csv"),
    path("risk-reviews/<int:ticket_pk>/sign/", queues.risk_review_sign, name="risk-review-sign"),
    path("risk-reviews/<int:review_pk>/report/", views.authority_report, name="authority-report"),
    path("program-requests/", program_requests.program_request_list, name="program-request-list"),
    path(
        "program-requests/<int:pk>/",
        program_requests.program_request_detail,
        name="program-request-detail",
    ),
    path(
        "program-requests/<int:pk>/transitions/<slug:name>/",
        program_requests.program_request_decide,
        name="program-request-decide",
    ),
]
