"""Django admin for staff: users with roles, skills and member numbers."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from access_support.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    list_display = (
        "username",
        "display_name",
        "member_number",
        "email",
        "is_member",
        "is_proxy",
        "is_operator",
        "is_supervisor",
    )
    list_filter = ("is_member", "is_proxy", "is_operator", "is_supervisor")
    search_fields = ("username", "display_name", "member_number", "email")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (
            "Accessible Support",
            {
                "fields": (
                    "display_name",
                    "member_number",
                    "is_member",
                    "is_proxy",
                    "is_operator",
                    "is_supervisor",
                    "skill_sign_language",
                    "skill_written_chat",
                )
            },
        ),
    )
