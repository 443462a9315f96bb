"""Supervisor pages (mounted at /supervision/)."""

from __future__ import annotations

from django.urls import path

from supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.home, name="home"),
    path("closed-days/", views.closed_days, name="closed-days"),
    path("closed-days/<int:pk>/remove/", views.closed_day_remove, name="closed-day-remove"),
    path("reports/", views.report_index, name="reports"),
    path("reports/<slug:slug>/", views.report, name="report"),
    path("reports/<slug:slug>.csv", views.report_csv, name="report-csv"),
    path("operators/", views.operators, name="operators"),
    path("operators/new/", views.operator_new, name="operator-new"),
    path("operators/<int:pk>/", views.operator_detail, name="operator-detail"),
    path("operators/<int:pk>/deactivate/", views.operator_deactivate, name="operator-deactivate"),
    path("operators/<int:pk>/reactivate/", views.operator_reactivate, name="operator-reactivate"),
    path(
        "operators/<int:pk>/password-link/",
        views.operator_password_link,
        name="operator-password-link",
    ),
    path("voice/", views.voice_list, name="voice"),
    path("voice.csv", views.voice_csv, name="voice-csv"),
    path("voice/to-tag/", views.voice_sources, name="voice-sources"),
    path("voice/tag/feedback/<int:pk>/", views.voice_tag_feedback, name="voice-tag-feedback"),
    path("voice/tag/summary/<int:pk>/", views.voice_tag_summary, name="voice-tag-summary"),
    path("voice/<int:pk>/", views.voice_detail, name="voice-detail"),
    path("recovery/", views.recovery_list, name="recovery"),
    path("recovery/<int:pk>/", views.recovery_detail, name="recovery-detail"),
    path("abuse/", views.abuse_list, name="abuse"),
    path("abuse/<int:pk>/", views.abuse_detail, name="abuse-detail"),
    path("restrictions/<int:pk>/lift/", views.restriction_lift, name="restriction-lift"),
]
