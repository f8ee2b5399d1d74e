from django.urls import path

from customers import views

urlpatterns = [
    path("customers/", views.customer_list, name="customer-list"),
    path("customers/<int:pk>/", views.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer-edit"),
    path("customers/<int:pk>/contacts/", views.contact_add, name="customer-contact-add"),
    path(
        "customers/<int:pk>/contacts/<int:contact_pk>/edit/", views.contact_edit, name="customer-contact-edit"
    ),
]
