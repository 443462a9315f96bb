from __future__ import annotations

from django.urls import path

from access_support.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("read/", views.mark_read, name="read"),
    path("<int:pk>/stop-recovery/", views.stop_recovery, name="stop-recovery"),
]
