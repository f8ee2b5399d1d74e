from django.urls import path

from audit import views

urlpatterns = [
    path("audit/", views.audit_trail, name="audit-trail"),
    path("audit/export.csv", views.audit_export_csv, name="audit-export-csv"),
    path("audit/export.pdf", views.audit_export_pdf, name="audit-export-pdf"),
]
