"""The public help page, mounted at /help/ by the project's URL map (no namespace: `help`)."""

from __future__ import annotations

from django.urls import path

from signlanguage.booking import help_views

urlpatterns = [path("", help_views.help_page, name="help")]
