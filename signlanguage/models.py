"""Shifts and sessions: a booked session and a talk-now request are the same Session model."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Mode(models.TextChoices):
    SIGN_LANGUAGE = "sign_language", _("Sign-language video")
    WRITTEN_CHAT = "written_chat", _("Written chat")


class Kind(models.TextChoices):
    BOOKED = "booked", _("Booked")
    NOW = "now", _("Talk now")


class State(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    ACTIVE = "active", _("In progress")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (State.WAITING, State.ACTIVE)


class EndedAs(models.TextChoices):
    """Why a session ended by itself (Session.ended_as; signlanguage.live.presence)."""

    CUSTOMER_LEFT = "customer_left", _("The customer left")
    ABANDONED = "abandoned", _("Abandoned: everyone left")


def transcript_kept_by_default() -> bool:
    """A new session's `transcript_kept` (issue 22 item 7): TRANSCRIPT_KEPT_BY_DEFAULT."""
    return bool(getattr(settings, "TRANSCRIPT_KEPT_BY_DEFAULT", True))


class Shift(models.Model):
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "operator_id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="shift_end_after"),
        ]
        indexes = [models.Index(fields=["start", "end"], name="shift_span_idx")]

    def __str__(self) -> str:
        return f"{self.operator_id} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


class Session(models.Model):
    """One conversation between a customer (a member) and an operator.

    kind=booked: `start`/`end` are one slot on the grid, an operator is assigned at booking.
    kind=now: a talk-now request, `operator` stays empty until an operator takes it.
    The live-session issue adds messages (their own model, with a per-session sequence)."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions_booked"
    )
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    topic = models.CharField(_("topic"), max_length=200)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions_handled",
    )
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True)
    reminded_day_before_at = models.DateTimeField(null=True, blank=True)
    reminded_soon_at = models.DateTimeField(null=True, blank=True)
    # The .ics SEQUENCE: counts up at each reschedule and at cancellation.
    ics_sequence = models.PositiveIntegerField(default=0)
    # A sign-language session switched to written chat: the role ("customer", "proxy",
    # "operator") of who switched; empty while the video is on (signlanguage.live.services
    # video_switch, the `mode` frame of docs/websocket.md).
    video_off_by = models.CharField(max_length=10, blank=True, default="")
    # Presence (issue 22 item 6), in the database so every daphne process sees it: when each
    # role's live socket last connected and, while none of theirs is open, when it went
    # (empty while connected). signlanguage.live.presence reads and writes these.
    customer_joined_at = models.DateTimeField(null=True, blank=True)
    customer_left_at = models.DateTimeField(null=True, blank=True)
    proxy_joined_at = models.DateTimeField(null=True, blank=True)
    proxy_left_at = models.DateTimeField(null=True, blank=True)
    operator_joined_at = models.DateTimeField(null=True, blank=True)
    operator_left_at = models.DateTimeField(null=True, blank=True)
    # A talk-now request: when the customer's waiting page (the queue socket) went away; empty
    # while it is open (issue 21 item 4, "a request whose customer has left").
    waiting_left_at = models.DateTimeField(null=True, blank=True)
    # How a session ended without the operator closing it (EndedAs); empty otherwise.
    ended_as = models.CharField(max_length=20, blank=True, default="", choices=EndedAs.choices)
    # What is kept of the conversation (issue 22 item 7, signlanguage.live.keeping): the customer
    # chooses at the end whether the chat is kept (the default from TRANSCRIPT_KEPT_BY_DEFAULT when
    # the session is made). Not kept: the chat messages are deleted once the customer has
    # downloaded them, or 24 hours after the end (`manage.py sweep_transcripts`); the session row
    # (times, people, mode, outcome) stays. Video is never recorded.
    transcript_kept = models.BooleanField(default=transcript_kept_by_default)
    transcript_chosen_at = models.DateTimeField(null=True, blank=True)
    transcript_downloaded_at = models.DateTimeField(null=True, blank=True)
    transcript_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Booked slots are aligned to the grid and one slot long, so "same start" is
            # "overlap": these make a double-booked operator or customer impossible.
            models.UniqueConstraint(
                fields=["operator", "start"],
                condition=Q(kind="booked") & ~Q(state="cancelled"),
                name="session_operator_slot_unique",
            ),
            models.UniqueConstraint(
                fields=["customer", "start"],
                condition=Q(kind="booked") & ~Q(state="cancelled"),
                name="session_customer_slot_unique",
            ),
            # At most one open talk-now request per customer.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(kind="now") & Q(state__in=["waiting", "active"]),
                name="session_customer_one_open_now",
            ),
            models.CheckConstraint(
                condition=Q(kind="now") | (Q(start__isnull=False) & Q(end__gt=models.F("start"))),
                name="session_booked_has_times",
            ),
            models.CheckConstraint(
                condition=Q(mode__in=["sign_language", "written_chat"]), name="session_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="now") | Q(operator__isnull=False) | Q(state="cancelled"),
                name="session_booked_has_operator",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "state", "mode", "created_at"], name="session_queue_idx"),
            models.Index(fields=["start"], name="session_start_idx"),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} ({self.kind}, {self.state})"

    @property
    def last_message_seq(self) -> int:
        """The highest seq stored for this session (0 when none): the live page renders it so
        session.js knows which messages are history, not news (issue 23 defect 3)."""
        found = self.messages.aggregate(last=models.Max("seq"))["last"]
        return int(found or 0)


# --- live sessions (issue 5): chat messages, read markers, closing, feedback, canned phrases ---


class SenderRole(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PROXY = "proxy", _("Proxy")
    OPERATOR = "operator", _("Operator")
    # A line the service writes, said by nobody in the conversation (the hand-over's "the
    # operator is now …", issue 21 item 6); its `sender` is who caused it, never shown.
    SYSTEM = "system", _("Notice")


class SessionSequence(models.Model):
    """The last chat sequence number of a session (PostgreSQL). The statement that stores a
    message bumps it in a data-modifying CTE (`INSERT … ON CONFLICT DO UPDATE … RETURNING`), so
    numbers are gapless and the row lock serialises senders of one session only. On SQLite,
    where writers are serialised anyway, the next number is the highest stored + 1 and this
    table stays empty (decision 0006)."""

    session = models.OneToOneField(
        Session, on_delete=models.CASCADE, primary_key=True, related_name="sequence"
    )
    last_seq = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.session_id}: {self.last_seq}"


class ChatMessage(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    client_id = models.UUIDField()
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sender_role = models.CharField(max_length=10, choices=SenderRole.choices)
    # Stored after card-number masking (access_support.masking); never the raw text.
    text = models.TextField(max_length=2000)
    masked = models.BooleanField(default=False)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="chat_message_seq_unique"),
            models.UniqueConstraint(
                fields=["session", "client_id"], name="chat_message_client_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq}"


class ReadMarker(models.Model):
    """How far a participant has read (the highest seq they reported with chat.read)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="read_markers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=SenderRole.choices)
    last_read_seq = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="read_marker_unique")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.user_id} read {self.last_read_seq}"


class SessionClosure(models.Model):
    """Who ended a live session, and whether it was ended because the customer was abusive
    (flagged for a supervisor, under the published harassment policy). The summary and the
    time are on the Session (`summary`, `closed_at`)."""

    session = models.OneToOneField(
        Session, on_delete=models.CASCADE, primary_key=True, related_name="closure"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(default=timezone.now)
    ended_for_abuse = models.BooleanField(default=False)
    abuse_note = models.TextField(_("what happened"), max_length=2000, blank=True)
    abuse_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    abuse_reviewed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.session_id} closed by {self.closed_by_id}"


class Feedback(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "author"], name="feedback_once"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.rating}"


class CannedPhrase(models.Model):
    """定型文: phrases operators insert into a chat; supervisors edit them."""

    text = models.CharField(_("phrase"), max_length=300)
    position = models.PositiveIntegerField(_("order"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


# --- rules a supervisor edits and the sessions obey ----------------------------------------


class ClosedDay(models.Model):
    """A day the service is closed beyond weekends, public holidays and 12/29–1/3."""

    day = models.DateField(_("date"), unique=True)
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Moved from supervision (issue 25): the table keeps its name, no data moves.
        db_table = "supervision_closedday"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.reason}"


class AbuseDecision(models.TextChoices):
    UPHELD = "upheld", _("The customer was abusive")
    NOT_UPHELD = "not_upheld", _("Not abusive: no action")


class AbuseReview(models.Model):
    """A supervisor's decision on a session an operator ended for abuse."""

    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="abuse_review")
    decision = models.CharField(_("decision"), max_length=12, choices=AbuseDecision.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "supervision_abusereview"

    def __str__(self) -> str:
        return f"abuse review {self.session_id}: {self.decision}"


class TalkNowRestriction(models.Model):
    """The customer may not use talk now (they can still book a time, and write to us) until
    `ends_at` (empty: until a supervisor lifts it)."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="talk_now_restrictions"
    )
    review = models.ForeignKey(
        AbuseReview, null=True, blank=True, on_delete=models.PROTECT, related_name="restrictions"
    )
    reason = models.CharField(_("reason"), max_length=255)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "supervision_talknowrestriction"
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["customer", "lifted_at"], name="restriction_customer_idx")]

    def __str__(self) -> str:
        return f"restriction {self.pk} on {self.customer_id}"
