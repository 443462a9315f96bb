from __future__ import annotations

from django.urls import path

from access_support.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("otp/", views.otp_view, name="otp"),
    path("logout/", views.logout_view, name="logout"),
    path("security/", views.security_view, name="security"),
    path("forgot-password/", views.forgot_password_view, name="forgot-password"),
    path(
        "reset-password/<str:uidb64>/<str:token>/",
        views.reset_password_view,
        name="reset-password",
    ),
    path(
        "set-password/<str:uidb64>/<str:token>/",
        views.set_password_view,
        name="set-password",
    ),
]
