"""Supervision data: voice-of-the-customer items. The rules supervisors edit but the sessions
obey (closed days, abuse decisions, talk-now restrictions) live with the sessions, in
signlanguage.models."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VoiceTag(models.TextChoices):
    REQUEST = "request", _("Request (要望)")
    COMPLAINT = "complaint", _("Complaint (指摘)")
    PRAISE = "praise", _("Praise (お褒め)")


class VoiceStatus(models.TextChoices):
    NEW = "new", _("New")
    SHARED = "shared", _("Shared")
    PLANNED = "planned", _("Improvement planned")
    DONE = "done", _("Done")


# The cycle of the published policy: gather → share → plan an improvement → done. One step at a
# time, forward only.
NEXT_STATUS = {
    VoiceStatus.NEW: VoiceStatus.SHARED,
    VoiceStatus.SHARED: VoiceStatus.PLANNED,
    VoiceStatus.PLANNED: VoiceStatus.DONE,
}


class VoiceSource(models.TextChoices):
    FEEDBACK = "feedback", _("Customer feedback")
    SUMMARY = "summary", _("Operator summary")


class VoiceItem(models.Model):
    """One thing a customer said (a feedback comment or what an operator wrote in a summary),
    tagged so that it can be counted, shared and acted upon."""

    source = models.CharField(max_length=10, choices=VoiceSource.choices)
    session = models.ForeignKey(
        "signlanguage.Session", on_delete=models.PROTECT, related_name="voice_items"
    )
    feedback = models.ForeignKey(
        "signlanguage.Feedback",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="voice_items",
    )
    # A copy of the words, so the item reads the same even if its source changes later.
    text = models.TextField(_("what was said"), max_length=2000)
    tag = models.CharField(_("tag"), max_length=10, choices=VoiceTag.choices)
    topic = models.CharField(_("topic"), max_length=100)
    status = models.CharField(
        _("status"), max_length=10, choices=VoiceStatus.choices, default=VoiceStatus.NEW
    )
    improvement_note = models.TextField(_("improvement"), max_length=2000, blank=True)
    tagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tag__in=["request", "complaint", "praise"]), name="voice_tag_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["new", "shared", "planned", "done"]),
                name="voice_status_valid",
            ),
            # A source is tagged once.
            models.UniqueConstraint(
                fields=["feedback"], condition=Q(source="feedback"), name="voice_one_per_feedback"
            ),
            models.UniqueConstraint(
                fields=["session"], condition=Q(source="summary"), name="voice_one_per_summary"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="voice_status_idx")]

    def __str__(self) -> str:
        return f"voice {self.pk} {self.tag} {self.status}"
