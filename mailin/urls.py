from django.urls import path

from mailin import views

urlpatterns = [
    path("mail/", views.mail_list, name="mail"),
    path("mail/<int:pk>/assign/", views.mail_assign, name="mail-assign"),
    path("mail/<int:pk>/new-ticket/", views.mail_new_ticket, name="mail-new-ticket"),
]
