"""The notification centre (issue 21 item 5): one list of in-app notices per person, whatever
app the news comes from. Apps write through access_support.notifications.services.notify."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notice(models.Model):
    """One notice to one person. `kind` names what happened ("grant.suspended",
    "booking.made", ...); its text is written when shown, in the reader's language, from the
    kind's registered wording and `params` (services.KINDS)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notices"
    )
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the person answered the notice's one action ("this wasn't me", "stop it").
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="notices_user_idx")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.user_id}"
