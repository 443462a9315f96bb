from __future__ import annotations

from django.urls import path

from access_support.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("otp/", views.otp_view, name="otp"),
    path("otp/link/<str:secret>/", views.otp_link_view, name="otp-link"),
    path("logout/", views.logout_view, name="logout"),
    path("security/", views.security_view, name="security"),
    path("forgot-password/", views.forgot_password_view, name="forgot-password"),
    path(
        "reset-password/<str:uidb64>/<str:token>/",
        views.reset_password_view,
        name="reset-password",
    ),
    path("recovery/", views.recovery_request_view, name="recovery"),
    path("recovery/stop/<str:token>/", views.recovery_stop_view, name="recovery-stop"),
    path("recovery/finish/<str:token>/", views.recovery_finish_view, name="recovery-finish"),
    path(
        "set-password/<str:uidb64>/<str:token>/",
        views.set_password_view,
        name="set-password",
    ),
]
