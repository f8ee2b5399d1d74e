from django.urls import path

from capa import views

urlpatterns = [
    path("capa/", views.capa_list, name="capa-list"),
    path("capa/new/", views.capa_new, name="capa-new"),
    path("capa/<int:pk>/", views.capa_detail, name="capa-detail"),
    path("capa/<int:pk>/transitions/<slug:name>/", views.capa_transition, name="capa-transition"),
]
