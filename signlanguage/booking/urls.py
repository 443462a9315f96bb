"""Pages of the booking half: bookings, talk-now, the operator queue and shifts."""

from __future__ import annotations

from django.urls import path

from signlanguage.booking import views

urlpatterns = [
    path("", views.my_sessions, name="mine"),
    path("book/", views.book, name="book"),
    path("book/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/calendar.ics", views.ics, name="ics"),
    path("now/", views.talk_now, name="talk-now"),
    path("now/<int:pk>/", views.waiting, name="waiting"),
    path("now/<int:pk>/leave/", views.leave, name="leave"),
    path("queue/", views.operator_queue, name="queue"),
    path("queue/<int:pk>/take/", views.take, name="take"),
    path("shifts/", views.shifts, name="shifts"),
    path("shifts/copy-week/", views.shifts_copy_week, name="shifts-copy-week"),
    path("shifts/<int:pk>/delete/", views.shift_delete, name="shift-delete"),
]
