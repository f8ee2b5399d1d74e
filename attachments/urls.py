from django.urls import path

from attachments import api, views

# The pages (session, HTML answers).
urlpatterns = [
    path("tickets/<int:pk>/attachments/", views.upload, name="attachment-upload"),
    path("attachments/<int:pk>/withdraw/", views.withdraw, name="attachment-withdraw"),
    path("attachments/<int:pk>/download/", views.download, name="attachment-download"),
    path("attachments/<int:pk>/thumbnail.png", views.thumbnail, name="attachment-thumbnail"),
]

# Under /api/v1/ (supportdesk.urls), before the router.
api_urlpatterns = [
    path("tickets/<int:pk>/attachments/", api.TicketAttachmentsView.as_view(), name="api-ticket-attachments"),
    path(
        "attachments/<int:pk>/download/", api.AttachmentDownloadView.as_view(), name="api-attachment-download"
    ),
    path(
        "attachments/<int:pk>/withdraw/", api.AttachmentWithdrawView.as_view(), name="api-attachment-withdraw"
    ),
]
