from django.urls import path

from instructions import views

urlpatterns = [
    path("work-instruction/", views.work_instruction, name="work-instruction"),
    path("work-instruction/new/", views.revision_new, name="work-instruction-new"),
    path("work-instruction/<int:pk>/", views.revision_detail, name="work-instruction-revision"),
    path("work-instruction/<int:pk>/edit/", views.revision_edit, name="work-instruction-edit"),
    path("work-instruction/<int:pk>/sign/<slug:name>/", views.revision_sign, name="work-instruction-sign"),
]
