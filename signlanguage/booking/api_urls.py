"""API v1 routes of the booking half: availability, bookings and the talk-now queue."""

from __future__ import annotations

from django.urls import path

from signlanguage.booking import api

urlpatterns = [
    path("availability", api.availability_view, name="availability"),
    path("bookings", api.bookings, name="bookings"),
    path("bookings/<int:pk>", api.booking_detail, name="booking"),
    path("bookings/<int:pk>/cancel", api.booking_cancel, name="cancel"),
    path("bookings/<int:pk>/reschedule", api.booking_reschedule, name="reschedule"),
    path("queue", api.queue, name="queue"),
    path("queue/<int:session_id>/take", api.queue_take, name="take"),
]
