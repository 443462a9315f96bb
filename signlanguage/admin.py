"""Admin for shifts and sessions."""

from __future__ import annotations

from django.contrib import admin

from signlanguage.models import Session, Shift


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("operator", "start", "end")
    list_filter = ("operator",)
    date_hierarchy = "start"


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("pk", "kind", "mode", "state", "customer", "operator", "start", "created_at")
    list_filter = ("kind", "mode", "state")
    raw_id_fields = ("customer", "booked_by", "operator")
    readonly_fields = ("created_at",)
