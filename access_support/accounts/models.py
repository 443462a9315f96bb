"""The user: one account, one or more roles, a member number for card members."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin

from access_support.accounts import reading
from access_support.accounts.backup_codes import new_salt, normalise

models.CharField.register_lookup(Length)

ROLES = ("member", "proxy", "operator", "supervisor")
SKILLS = ("sign_language", "written_chat", "procedures")

# The languages a person can choose for pages and e-mails, each named in its own language (a
# reader looks for the name they know). The codes are settings.LANGUAGES' codes.
LANGUAGE_CHOICES = (("ja", "日本語"), ("en", "English"))

member_number_validator = RegexValidator(r"^[0-9]{10}$", _("A member number is 10 digits."))
# Hiragana or katakana, with spaces between the parts of the name (やまだ はなこ / ヤマダ ハナコ).
name_reading_validator = RegexValidator(
    r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb \u3000]*$",
    _("Write the reading in kana: hiragana or katakana, a space between the names."),
)


class User(AbstractUser):  # type: ignore[django-manager-missing]
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    # How the name is read (the フリガナ a bank keeps): furigana over the name wherever it is
    # shown with furigana on (reading.note_name). Kana only; optional.
    name_reading = models.CharField(
        _("reading of the name"),
        max_length=100,
        blank=True,
        validators=[name_reading_validator],
    )
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
    # Handles requests (procedures) in the back office (proxies/backoffice.py).
    skill_procedures = models.BooleanField(_("back-office requests skill"), default=False)
    # Reading aids for Japanese pages (docs/accessibility.md): off by default, changed only through
    # accounts.services.user_set_reading.
    plain_japanese = models.BooleanField(_("plain Japanese wording"), default=False)
    furigana = models.BooleanField(_("furigana"), default=False)
    # The language we write to this person in (every e-mail, docs/accessibility.md "Language"),
    # changed only through accounts.services.user_set_language.
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, default="ja")
    # How many of the person's notices are unread (the header's count), kept by
    # access_support.notifications.services: the user row is read on every request anyway, so the
    # count costs no query of its own.
    unread_notices = models.PositiveIntegerField(_("unread notices"), default=0)

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
        name = self.display_name or self.get_full_name() or self.username
        # Shown on a page: its reading is put over it there when furigana are on.
        reading.note_name(name, self.name_reading)
        return name

    @property
    def roles(self) -> list[str]:
        return [role for role in ROLES if getattr(self, f"is_{role}")]

    @property
    def skills(self) -> list[str]:
        return [skill for skill in SKILLS if getattr(self, f"skill_{skill}")]

    def get_session_auth_hash(self) -> str:
        """Sessions carry this hash; Django signs out every session whose hash no longer
        matches. Including the roles means a role change, like a password change, ends the
        user's other sessions."""
        from django.utils.crypto import salted_hmac

        key_salt = "access_support.accounts.User.get_session_auth_hash"
        material = f"{self.password}|{','.join(self.roles)}|{int(self.is_active)}"
        return salted_hmac(key_salt, material, algorithm="sha256").hexdigest()

    @property
    def is_staff_role(self) -> bool:
        return self.is_operator or self.is_supervisor


class BackupCodeDevice(ThrottlingMixin, Device):
    """Static backup codes, stored hashed (django-otp's static plugin keeps them in clear)."""

    salt: models.CharField[str, str] = models.CharField(max_length=32, default=new_salt)

    class Meta:
        verbose_name = "backup code device"

    def hash_code(self, code: str) -> str:
        return hashlib.sha256(f"{self.salt}:{normalise(code)}".encode()).hexdigest()

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token: Any) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed or not isinstance(token, str):
            return False
        digest = self.hash_code(token)
        match = None
        for stored in self.codes.all():
            if hmac.compare_digest(stored.code_hash, digest):
                match = stored
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.save()
        return True


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"backup code of device {self.device_id}"


class RecoveryStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting (the waiting period runs)")
    STOPPED = "stopped", _("Stopped by the account's owner")
    APPROVED = "approved", _("Approved (link sent)")
    DECLINED = "declined", _("Declined by our staff")
    COMPLETED = "completed", _("Completed: the reset link was used")


OPEN_RECOVERY = (RecoveryStatus.REQUESTED, RecoveryStatus.APPROVED)


class RecoveryRequest(models.Model):
    """A request "I can't use any of my sign-in methods" (docs/security.md, "Account recovery"): a
    supervisor checks the person's identity and approves only after the waiting period, during
    which the account's e-mail carries a one-click stop link. Changed only through
    accounts.recovery."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_requests")
    created_at = models.DateTimeField(default=timezone.now)
    # What happened and how to reach them, card numbers masked (access_support/masking.py).
    reason = models.TextField(max_length=2000)
    contact = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=16, choices=RecoveryStatus.choices, default=RecoveryStatus.REQUESTED
    )
    earliest_approval_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    documents_checked = models.JSONField(default=list, blank=True)
    # SHA-256 of the e-mailed tokens; the tokens themselves are never stored.
    stop_token_hash = models.CharField(max_length=64, unique=True)
    finish_token_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["requested", "approved"]),
                name="one_open_recovery_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"recovery request {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RECOVERY
