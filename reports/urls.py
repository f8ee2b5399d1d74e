from django.urls import path

from reports import views

urlpatterns = [
    path("reports/", views.report, name="reports"),
    path("reports/<slug:table>.csv", views.report_csv, name="report-csv"),
]
