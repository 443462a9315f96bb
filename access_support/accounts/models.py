"""The user: one account, one or more roles, a member number for card members."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

models.CharField.register_lookup(Length)

ROLES = ("member", "proxy", "operator", "supervisor")
SKILLS = ("sign_language", "written_chat")

member_number_validator = RegexValidator(r"^[0-9]{10}$", _("A member number is 10 digits."))


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    member_number = models.CharField(
        _("member number"),
        max_length=10,
        unique=True,
        null=True,
        blank=True,
        validators=[member_number_validator],
    )
    is_member = models.BooleanField(_("member"), default=False)
    is_proxy = models.BooleanField(_("proxy"), default=False)
    is_operator = models.BooleanField(_("operator"), default=False)
    is_supervisor = models.BooleanField(_("supervisor"), default=False)
    skill_sign_language = models.BooleanField(_("sign-language skill"), default=False)
    skill_written_chat = models.BooleanField(_("written-chat skill"), default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(member_number__isnull=True)
                | (Q(is_member=True) & Q(member_number__length=10)),
                name="member_number_only_for_members",
            ),
        ]
        indexes = [
            models.Index(fields=["is_operator"], name="user_operator_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def roles(self) -> list[str]:
        return [role for role in ROLES if getattr(self, f"is_{role}")]

    @property
    def skills(self) -> list[str]:
        return [skill for skill in SKILLS if getattr(self, f"skill_{skill}")]

    @property
    def is_staff_role(self) -> bool:
        return self.is_operator or self.is_supervisor




from access_support.accounts.backup_codes import BackupCode, BackupCodeDevice  # noqa: E402

__all__ = ["User", "BackupCode", "BackupCodeDevice", "ROLES", "SKILLS"]
