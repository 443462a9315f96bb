"""Pages of the live half. Joined to the booking half's in the signlanguage URL namespace
(signlanguage/urls.py, mounted at /sessions/)."""

from __future__ import annotations

from django.urls import path

from signlanguage.live import transfer
from signlanguage.live import views as live_views

urlpatterns = [
    path("<int:pk>/live/", live_views.session_page, name="live-session"),
    path("<int:pk>/live/close/", live_views.session_close, name="live-close"),
    path("<int:pk>/live/end-abuse/", live_views.session_end_for_abuse, name="live-end-abuse"),
    path("<int:pk>/live/transfer/", transfer.transfer_view, name="live-transfer"),
    path("<int:pk>/transcript.txt", live_views.transcript, name="live-transcript"),
    path("<int:pk>/live/keep/", live_views.transcript_choice, name="live-transcript-choice"),
    path("<int:pk>/feedback/", live_views.feedback, name="live-feedback"),
    path("console/", live_views.console, name="live-console"),
    path("canned-phrases/", live_views.canned_phrases, name="live-canned-phrases"),
]
