from django.urls import path

from solutions import views

urlpatterns = [
    path("solutions/", views.solution_list, name="solution-list"),
    path("solutions/new/", views.solution_new, name="solution-new"),
    path("solutions/<int:pk>/", views.solution_detail, name="solution-detail"),
    path("solutions/<int:pk>/edit/", views.solution_edit, name="solution-edit"),
    path(
        "solutions/<int:pk>/transitions/<slug:name>/", views.solution_transition, name="solution-transition"
    ),
]
