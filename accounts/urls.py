from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("2fa/", views.two_factor, name="two-factor"),
    path("2fa/confirm/", views.two_factor_confirm, name="two-factor-confirm"),
    path("2fa/off/", views.two_factor_off, name="two-factor-off"),
]
