"""Senior Support data: grants, verification codes, procedures filed for a member, notices."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from access_support.accounts import reading
from access_support.accounts.models import name_reading_validator
from access_support.accounts.reading import wording
from proxies.scopes import RELATIONSHIPS, relationship_label


class GrantState(models.TextChoices):
    INVITED = "invited", _("Invited")
    PENDING_REVIEW = "pending_review", _("Waiting for review")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    DECLINED = "declined", _("Declined")
    REJECTED = "rejected", _("Rejected")


# States in which a grant still counts towards the member's limit and may change again.
OPEN_STATES = (
    GrantState.INVITED,
    GrantState.PENDING_REVIEW,
    GrantState.ACTIVE,
    GrantState.SUSPENDED,
)
ENDED_STATES = (
    GrantState.REVOKED,
    GrantState.EXPIRED,
    GrantState.DECLINED,
    GrantState.REJECTED,
)


class Grant(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants_given"
    )
    # Empty until the invitation is accepted.
    proxy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants_held",
    )
    proxy_name = models.CharField(_("proxy's name"), max_length=100)
    # How the member said the name is read (kana), for furigana over it until the proxy's own
    # account gives its reading (proxy_display_name).
    proxy_name_reading = models.CharField(
        _("reading of the proxy's name"),
        max_length=100,
        blank=True,
        validators=[name_reading_validator],
    )
    proxy_email = models.EmailField(_("proxy's e-mail address"))
    relationship = models.CharField(
        _("relationship"), max_length=20, choices=list(RELATIONSHIPS.items())
    )
    scopes = models.JSONField(_("scopes"), default=list)
    state = models.CharField(max_length=20, choices=GrantState.choices, default=GrantState.INVITED)
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    # Only a hash of the invitation token is kept; the token itself is in the e-mail only.
    invitation_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    invitation_expires_at = models.DateTimeField(null=True, blank=True)
    invitation_used_at = models.DateTimeField(null=True, blank=True)
    documents_checked = models.JSONField(default=list, blank=True)
    review_reason = models.CharField(max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=GrantState.values), name="grant_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(proxy__isnull=True) | ~Q(proxy=F("member")), name="grant_no_self_proxy"
            ),
            models.UniqueConstraint(
                fields=["member", "proxy"],
                condition=Q(state__in=["pending_review", "active", "suspended"]),
                name="grant_one_open_per_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "state"], name="grant_member_state_idx"),
            models.Index(fields=["proxy", "state"], name="grant_proxy_state_idx"),
            models.Index(fields=["state", "created_at"], name="grant_state_created_idx"),
        ]

    def __str__(self) -> str:
        return f"grant {self.pk} {self.member_id}→{self.proxy_id or self.proxy_email} {self.state}"

    def ends_before(self, today: datetime.date) -> bool:
        return self.ends_on is not None and self.ends_on < today

    def effective_state(self, now: datetime.datetime | None = None) -> str:
        """The state a user should see: a grant past its end date is expired at once, without
        waiting for any job to change the stored state."""
        today = timezone.localdate(now or timezone.now())
        if self.state in (GrantState.ACTIVE, GrantState.SUSPENDED) and self.ends_before(today):
            return str(GrantState.EXPIRED)
        return str(self.state)

    @property
    def proxy_display_name(self) -> str:
        """The proxy's name as their account gives it, or as the member registered it while
        the invitation is open; its reading is noted for furigana (reading.note_name)."""
        name = self.proxy.name if self.proxy is not None else self.proxy_name
        reading.note_name(name, self.proxy_reading)
        return name

    @property
    def proxy_reading(self) -> str:
        """How the proxy's name is read: their account's own reading, else the one the member
        gave when registering them (while the account shows that same name)."""
        proxy = self.proxy
        if proxy is not None and (proxy.name_reading or proxy.name != self.proxy_name):
            return proxy.name_reading
        return self.proxy_name_reading

    @property
    def relationship_label(self) -> Any:
        """The relationship in the reader's wording (plain Japanese when chosen)."""
        return relationship_label(self.relationship)


class PairGrantJoin(models.ForeignObject):  # type: ignore[type-arg]
    """A join (no column) from a code to the grants between its member and its proxy. A pair has
    had several grants over time (revoked, then a new one), so the target is not unique: the
    desk's read orders them and takes the one that decides (selectors.desk_lookup). Read it
    only there, selected with the code: touched on a code read otherwise it is a query of its
    own, which fails for a pair that has had more than one grant."""

    def check(self, **kwargs: Any) -> list[Any]:
        # Not unique on purpose (fields.E310 would say so): see above.
        return [error for error in super().check(**kwargs) if error.id != "fields.E310"]


class VerificationCode(models.Model):
    """A short code a proxy shows the verification desk: 10 minutes, single use, one member."""

    proxy = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Read with the code by the desk, in the same statement (decision 0014).
    pair_grant = PairGrantJoin(
        Grant,
        on_delete=models.DO_NOTHING,
        from_fields=["member", "proxy"],
        to_fields=["member", "proxy"],
        related_name="+",
        null=True,
    )
    code_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"code {self.pk} for member {self.member_id}"

    def is_usable(self, now: datetime.datetime) -> bool:
        return self.used_at is None and now < self.expires_at


class ProcedureKind(models.TextChoices):
    STATEMENT_INQUIRY = "statement_inquiry", _("Statement or payment inquiry")
    ADDRESS_CHANGE = "address_change", _("Change of address or contact details")
    LOST_CARD = "lost_card", _("Report a lost or stolen card")
    PAYMENT_METHOD = "payment_method", _("Change of payment method")
    # Opened by the member's "this wasn't me" on a notice of a proxy's action (issue 21 item 5);
    # never filed through the form or the API (no scope names it).
    PROXY_DISPUTE = "proxy_dispute", _("The member says a proxy's action was not theirs")


# The kinds in plain Japanese (the form's choices and every page that names a request).
PLAIN_KINDS: dict[str, Any] = {
    ProcedureKind.STATEMENT_INQUIRY: pgettext_lazy("plain", "Statement or payment inquiry"),
    ProcedureKind.ADDRESS_CHANGE: pgettext_lazy("plain", "Change of address or contact details"),
    ProcedureKind.LOST_CARD: pgettext_lazy("plain", "Report a lost or stolen card"),
    ProcedureKind.PAYMENT_METHOD: pgettext_lazy("plain", "Change of payment method"),
    ProcedureKind.PROXY_DISPUTE: pgettext_lazy(
        "plain", "The member says a proxy's action was not theirs"
    ),
}


# The scope each procedure needs.
PROCEDURE_SCOPES: dict[str, str] = {
    ProcedureKind.STATEMENT_INQUIRY: "inquiry.statement",
    ProcedureKind.ADDRESS_CHANGE: "procedure.address_change",
    ProcedureKind.LOST_CARD: "procedure.lost_card",
    ProcedureKind.PAYMENT_METHOD: "procedure.payment_method",
}


class ProcedureStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    NEEDS_INFO = "needs_info", _("Waiting for your answer")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")


# A request still to be handled (the back-office queue shows these by default).
PROCEDURE_OPEN = (
    ProcedureStatus.RECEIVED,
    ProcedureStatus.IN_PROGRESS,
    ProcedureStatus.NEEDS_INFO,
)


class Procedure(models.Model):
    """A request filed for a member (by a proxy, or by the member), handled by staff in the
    back office: received → in progress (claimed by one staff member) → waiting for the
    customer's answer ⇄ in progress → done or declined (proxies/services.py)."""

    kind = models.CharField(max_length=30, choices=ProcedureKind.choices)
    details = models.TextField(max_length=2000)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="procedures"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="procedures_filed"
    )
    grant = models.ForeignKey(Grant, null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField(
        max_length=20, choices=ProcedureStatus.choices, default=ProcedureStatus.RECEIVED
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set once, by the one claim that wins (services.procedure_claim).
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="procedures_claimed",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The first answer from staff (the claim: the customer is told it is in progress).
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["on_behalf_of", "created_at"], name="procedure_member_idx"),
            models.Index(fields=["status", "created_at"], name="procedure_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProcedureStatus.values), name="procedure_status_valid"
            ),
            # Claimed means someone holds it; received means nobody does yet.
            models.CheckConstraint(
                condition=Q(status="received", claimed_by__isnull=True)
                | (~Q(status="received") & Q(claimed_by__isnull=False)),
                name="procedure_claimed_unless_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.on_behalf_of_id}"

    @property
    def kind_label(self) -> Any:
        """The kind in the reader's wording (plain Japanese when chosen)."""
        return wording(self.get_kind_display(), PLAIN_KINDS.get(self.kind, self.get_kind_display()))

    @property
    def is_open(self) -> bool:
        return self.status in PROCEDURE_OPEN

    @property
    def is_lost_card(self) -> bool:
        return self.kind == ProcedureKind.LOST_CARD


class MessageKind(models.TextChoices):
    QUESTION = "question", _("Question from our staff")
    ANSWER = "answer", _("Answer from the customer")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Reason for declining")


class ProcedureMessage(models.Model):
    """What staff and the customer wrote to each other on a request, oldest first."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on procedure {self.procedure_id}"


class RegistrationDraft(models.Model):
    """The answers of a proxy registration not yet sent, one per person registering (a member,
    or an operator registering for one). Bound to the user, not the session, so answers survive
    the idle sign-out; kept until the invitation is sent or for a day (proxies/drafts.py)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registration_draft"
    )
    # Form field name → the answer as posted (str, or list for a multiple choice); free text
    # has card numbers masked before it is stored.
    data = models.JSONField(default=dict)
    # The question the person was on: the next one to answer, or "check".
    step = models.CharField(max_length=20)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["updated_at"], name="draft_updated_idx")]

    def __str__(self) -> str:
        return f"registration draft of {self.user_id} at {self.step}"
