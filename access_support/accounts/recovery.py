"""Account recovery when every second factor is lost (issue 21 item 2; docs/security.md,
"Account recovery").

After a correct password, a person who cannot use any sign-in method asks for help. The account's
e-mail address is told at once, with a one-click stop link. A supervisor checks the person's
identity as for proxies and may approve only after the waiting period
(settings.RECOVERY_WAIT_HOURS, 72 by default). Approval deletes the account's authenticator apps
and backup codes (the e-mail device stays: every account with an address has it) and e-mails a
single-use link; the person then signs in with the password and an e-mailed code and sets up a
new factor. Every step is audited."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from access_support import mail, request_context
from access_support.accounts.models import (
    BackupCodeDevice,
    RecoveryRequest,
    RecoveryStatus,
    User,
)
from access_support.audit import services as audit
from access_support.audit.actions import AuditAction
from access_support.masking import mask_card_numbers
from access_support.notifications import services as notifications

# At most this many requests per account, and per client address, a day.
PER_ACCOUNT_PER_DAY = 3
PER_ADDRESS_PER_DAY = 10
_DAY = 24 * 60 * 60


class RecoveryError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def wait_hours() -> int:
    return int(getattr(settings, "RECOVERY_WAIT_HOURS", 72))


def link_hours() -> int:
    return int(getattr(settings, "RECOVERY_LINK_HOURS", 72))


def open_request_for(user: User) -> RecoveryRequest | None:
    return RecoveryRequest.objects.filter(
        user=user, status__in=[RecoveryStatus.REQUESTED, RecoveryStatus.APPROVED]
    ).first()


def _counted(key: str, limit: int) -> bool:
    from access_support.accounts.services import _counted as counted

    return counted(key, limit, _DAY)


def _letter(user: User, subject: str, *lines: str) -> None:
    """E-mail `user` once the change commits: the greeting, then `lines`. Called inside
    mail.writing_to(user), so that all of it is in their language."""
    body = "\n".join([gettext("Dear %(name)s,") % {"name": user.name}, "", *lines])
    subject = mail.subject(subject)
    recipient = user.email
    if recipient:
        transaction.on_commit(lambda: send_mail(subject, body, None, [recipient]))


def request_recovery(*, user: User, reason: str, contact: str) -> RecoveryRequest:
    """Open a request for `user` (signed in with the password only). Raises RecoveryError
    `already_open` or `throttled`."""
    if open_request_for(user) is not None:
        raise RecoveryError("already_open")
    if not user.email:  # nobody could be told, or stop it: staff help by written chat instead
        raise RecoveryError("no_email")
    address = request_context.client_address.get()
    if not _counted(f"recovery-addr:{address}", PER_ADDRESS_PER_DAY) or not _counted(
        f"recovery-user:{user.pk}", PER_ACCOUNT_PER_DAY
    ):
        raise RecoveryError("throttled")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    reason_masked, _ = mask_card_numbers(reason.strip())
    contact_masked, _ = mask_card_numbers(contact.strip())
    try:
        with transaction.atomic():
            recovery = RecoveryRequest.objects.create(
                user=user,
                created_at=now,
                reason=reason_masked,
                contact=contact_masked,
                earliest_approval_at=now + datetime.timedelta(hours=wait_hours()),
                stop_token_hash=_digest(token),
            )
            audit.record(
                action=AuditAction.RECOVERY_REQUESTED,
                actor=user,
                subject_user=user,
                obj=recovery,
                after={"earliest_approval_at": recovery.earliest_approval_at.isoformat()},
            )
    except IntegrityError as exc:  # a second request racing the first
        raise RecoveryError("already_open") from exc
    _tell_requested(user, recovery, token)
    # The same news in the notification centre, with its one-tap stop (the e-mail above has
    # the stop link; this notice sends none of its own).
    notifications.notify(user, "recovery.requested", email=False, recovery_id=recovery.pk)
    return recovery


def _tell_requested(user: User, recovery: RecoveryRequest, token: str) -> None:
    from access_support.site import site_url

    url = site_url(f"/accounts/recovery/stop/{token}/")
    with mail.writing_to(user):
        wait = gettext(
            "If it was you, you need do nothing: after %(hours)s hours our staff check "
            "your identity and send you a link to set up a new sign-in method."
        ) % {"hours": wait_hours()}
        _letter(
            user,
            gettext("Someone asked to reset your sign-in"),
            gettext("Someone asked to reset your sign-in to Accessible Support."),
            wait,
            "",
            gettext("Not you? Stop it here (one click, no sign-in needed):"),
            url,
            "",
            gettext("If it was not you, please also change your password."),
        )


def request_for_stop_token(token: str) -> RecoveryRequest | None:
    """The open request a stop link is for, or None (wrong, or already stopped/decided)."""
    return (
        RecoveryRequest.objects.select_related("user")
        .filter(stop_token_hash=_digest(token), status=RecoveryStatus.REQUESTED)
        .first()
    )


def stop(*, token: str) -> RecoveryRequest | None:
    """The account's owner stopped the request with the e-mailed link (single use)."""
    with transaction.atomic():
        recovery = (
            RecoveryRequest.objects.select_for_update()
            .filter(stop_token_hash=_digest(token), status=RecoveryStatus.REQUESTED)
            .first()
        )
        if recovery is None:
            return None
        stopped = RecoveryStatus.STOPPED
        _move(
            recovery, stopped, AuditAction.RECOVERY_STOPPED, actor=None, decided_at=timezone.now()
        )
    return recovery


def stop_by_owner(*, user: User, recovery_id: int) -> RecoveryRequest | None:
    """The account's owner, signed in with a second factor, stopped the request from its notice
    in the notification centre ("not you? stop it"). None if it is not open any more."""
    with transaction.atomic():
        recovery = (
            RecoveryRequest.objects.select_for_update()
            .filter(pk=recovery_id, user=user, status=RecoveryStatus.REQUESTED)
            .first()
        )
        if recovery is None:
            return None
        stopped = RecoveryStatus.STOPPED
        _move(
            recovery, stopped, AuditAction.RECOVERY_STOPPED, actor=user, decided_at=timezone.now()
        )
    return recovery


def _move(
    recovery: RecoveryRequest,
    status: str,
    action: str,
    *,
    actor: User | None,
    noted: dict[str, Any] | None = None,
    **fields: Any,
) -> None:
    """The one way a request changes status: set it and `fields`, save them, and audit the
    status before and after (with `noted`)."""
    before = recovery.status
    recovery.status = status
    for name, value in fields.items():
        setattr(recovery, name, value)
    recovery.save(update_fields=["status", *fields])
    after = {"status": status, **(noted or {})}
    audit.record(
        action=action,
        actor=actor,
        subject_user=recovery.user,
        obj=recovery,
        before={"status": before},
        after=after,
    )


def _locked(recovery: RecoveryRequest) -> RecoveryRequest:
    return RecoveryRequest.objects.select_for_update().select_related("user").get(pk=recovery.pk)


def can_supervise(actor: Any) -> bool:
    return bool(getattr(actor, "is_supervisor", False))


def approve(*, recovery: RecoveryRequest, actor: User, documents: list[str]) -> RecoveryRequest:
    """A supervisor checked the person's identity. Only after the waiting period. Deletes the
    account's authenticator apps and backup codes and e-mails a single-use link."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from access_support.accounts.services import email_device_for

    if not can_supervise(actor):
        raise RecoveryError("not_allowed")
    with transaction.atomic():
        recovery = _locked(recovery)
        if recovery.user_id == actor.pk:
            raise RecoveryError("own_account")
        if recovery.status != RecoveryStatus.REQUESTED:
            raise RecoveryError("not_open")
        now = timezone.now()
        if now < recovery.earliest_approval_at:
            raise RecoveryError("too_early")
        if not documents:
            raise RecoveryError("documents_required")
        user = recovery.user
        totp, _ = TOTPDevice.objects.filter(user=user).delete()
        backup = BackupCodeDevice.objects.filter(user=user).count()
        BackupCodeDevice.objects.filter(user=user).delete()
        email_device_for(user)
        token = secrets.token_urlsafe(32)
        removed = {"authenticator_apps_removed": totp, "backup_code_sets_removed": backup}
        _move(
            recovery,
            RecoveryStatus.APPROVED,
            AuditAction.RECOVERY_APPROVED,
            actor=actor,
            noted={"documents_checked": documents, **removed},
            decided_by=actor,
            decided_at=now,
            documents_checked=documents,
            finish_token_hash=_digest(token),
        )
        _tell_approved(user, token)
    return recovery


def _tell_approved(user: User, token: str) -> None:
    from access_support.site import site_url

    url = site_url(f"/accounts/recovery/finish/{token}/")
    with mail.writing_to(user):
        how = gettext(
            "Open this link within %(hours)s hours. It works once. Then sign in with your "
            "password and the code we e-mail you, and set up a new sign-in method."
        ) % {"hours": link_hours()}
        checked = gettext("We have checked your identity and reset your sign-in methods.")
        _letter(user, gettext("Set up a new sign-in method"), checked, how, "", url)


def decline(*, recovery: RecoveryRequest, actor: User, reason: str) -> RecoveryRequest:
    if not can_supervise(actor):
        raise RecoveryError("not_allowed")
    if not reason.strip():
        raise RecoveryError("reason_required")
    with transaction.atomic():
        recovery = _locked(recovery)
        if recovery.status != RecoveryStatus.REQUESTED:
            raise RecoveryError("not_open")
        masked, _ = mask_card_numbers(reason.strip())
        _move(
            recovery,
            RecoveryStatus.DECLINED,
            AuditAction.RECOVERY_DECLINED,
            actor=actor,
            noted={"reason": masked},
            decided_by=actor,
            decided_at=timezone.now(),
            decision_reason=masked,
        )
        user = recovery.user
        with mail.writing_to(user):
            _letter(
                user,
                gettext("Your request to reset your sign-in"),
                gettext("We could not approve your request to reset your sign-in."),
                gettext("Reason: %(reason)s") % {"reason": masked},
                gettext("Please write to us by written chat or ask again."),
            )
    return recovery


def request_for_finish_token(token: str) -> RecoveryRequest | None:
    """The approved request a finish link is for, within its lifetime; None otherwise."""
    recovery = (
        RecoveryRequest.objects.select_related("user")
        .filter(finish_token_hash=_digest(token), status=RecoveryStatus.APPROVED)
        .first()
    )
    if recovery is None or recovery.decided_at is None:
        return None
    if timezone.now() > recovery.decided_at + datetime.timedelta(hours=link_hours()):
        return None
    return recovery


def finish(*, token: str) -> RecoveryRequest | None:
    """The approval link was used (once): the request is completed."""
    with transaction.atomic():
        found = request_for_finish_token(token)
        if found is None:
            return None
        recovery = _locked(found)
        if recovery.status != RecoveryStatus.APPROVED:
            return None
        _move(recovery, RecoveryStatus.COMPLETED, AuditAction.RECOVERY_COMPLETED, actor=None)
    return recovery
