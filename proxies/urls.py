"""Senior Support pages (mounted at /proxies/)."""

from __future__ import annotations

from django.urls import path

from proxies import backoffice, procedure_views, timeline, views

app_name = "proxies"
urlpatterns = [
    path("", views.my_proxies, name="my-proxies"),
    path("register/", views.register, name="register"),
    path("register/<slug:step>/", views.register_step, name="register-step"),
    path("grants/<int:pk>/", views.grant_detail, name="grant-detail"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant-revoke"),
    path("grants/<int:pk>/<str:verb>/", views.grant_pause, name="grant-pause"),
    path("timeline/", timeline.timeline, name="timeline"),
    path("notices/<int:pk>/not-me/", views.notice_disown, name="notice-disown"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("helping/", views.helping, name="helping"),
    path("act/<int:member_id>/", views.act_start, name="act-start"),
    path("act/stop/", views.act_stop, name="act-stop"),
    path("codes/<int:member_id>/", views.code_new, name="code-new"),
    path("procedures/new/", views.procedure_new, name="procedure-new"),
    path("procedures/", procedure_views.procedures, name="procedures"),
    path("procedures/<int:pk>/", procedure_views.procedure_detail, name="procedure"),
    path("back-office/", backoffice.queue, name="backoffice"),
    path("back-office/new/", backoffice.procedure_new, name="backoffice-new"),
    path("back-office/<int:pk>/", backoffice.procedure, name="backoffice-procedure"),
    path("back-office/<int:pk>/claim/", backoffice.claim, name="backoffice-claim"),
    path("review/", views.review_queue, name="review-queue"),
    path("review/<int:pk>/", views.review, name="review"),
    path("desk/", views.desk, name="desk"),
]
