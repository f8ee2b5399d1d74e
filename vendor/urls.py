from django.urls import path

from vendor import views

urlpatterns = [
    path("program-requests/", views.program_request_list, name="program-request-list"),
    path("program-requests/<int:pk>/", views.program_request_detail, name="program-request-detail"),
    path(
        "program-requests/<int:pk>/transitions/<slug:name>/",
        views.program_request_decide,
        name="program-request-decide",
    ),
]
