"""Account state changes: sign-in steps, second-factor devices, users and roles. Each audited."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from access_support import events, mail, request_context
from access_support.accounts import backends, known_browsers, sign_in_link
from access_support.accounts.backup_codes import new_code
from access_support.accounts.models import (
    LANGUAGE_CHOICES,
    ROLES,
    SKILLS,
    BackupCode,
    BackupCodeDevice,
    User,
)
from access_support.audit import services as audit
from access_support.audit.actions import AuditAction
from access_support.audit.models import AuditEvent

ADDRESS_WINDOW_SECONDS = 15 * 60


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    locked: bool = False


def password_sign_in(request: HttpRequest, username: str, password: str) -> SignInResult:
    """Step one. django-axes counts failures per account and per client address."""
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        _audit_failure(AuditAction.AUTH_LOCKED_OUT, username)
        return SignInResult(None, locked=True)
    if user is None or not user.is_active:
        _audit_failure(AuditAction.AUTH_PASSWORD_FAILED, username)
        return SignInResult(None)
    assert isinstance(user, User)
    # django.contrib.auth.login rotates the session key.
    login(request, user, backend=backends.PATH)
    audit.record(action=AuditAction.AUTH_PASSWORD_OK, actor=user, subject_user=user)
    return SignInResult(user)


def _audit_failure(action: str, username: str) -> None:
    subject = User.objects.filter(username=username).first()
    audit.record(
        action=action,
        subject_user=subject,
        reason=f"address {request_context.client_address.get()}",
    )


def sign_out(request: HttpRequest) -> None:
    user = request.user
    if user.is_authenticated:
        with transaction.atomic():
            audit.record(action=AuditAction.AUTH_LOGOUT, actor=user, subject_user=user)
            events.user_signed_out(user.pk)
    logout(request)


# --- second factor -----------------------------------------------------------------------


def email_device_for(user: User) -> EmailDevice | None:
    """Every account with an e-mail address has the e-mail token device (the default)."""
    if not user.email:
        return None
    device, _ = EmailDevice.objects.get_or_create(
        user=user, defaults={"name": "email", "confirmed": True}
    )
    return device


def devices_for(user: User) -> list[Device]:
    devices: list[Device] = []
    email = email_device_for(user)
    if email is not None:
        devices.append(email)
    devices.extend(TOTPDevice.objects.filter(user=user, confirmed=True))
    devices.extend(
        d for d in BackupCodeDevice.objects.filter(user=user, confirmed=True) if d.codes.exists()
    )
    return devices


def device_kind(device: Device) -> str:
    if isinstance(device, EmailDevice):
        return "email"
    if isinstance(device, TOTPDevice):
        return "totp"
    return "backup_codes"


def describe_device(device: Device) -> dict[str, str]:
    return {"id": device.persistent_id, "type": device_kind(device), "name": device.name}


def find_device(user: User, device_id: str) -> Device | None:
    for device in devices_for(user):
        if device.persistent_id == device_id or device_kind(device) == device_id:
            return device
    return None


def send_challenge(
    user: User, device: Device, *, request: HttpRequest | None = None, next_url: str = "/"
) -> bool:
    """E-mail a token. False while the cool-down after the last e-mail runs. With the browser's
    `request`, the e-mail also has a one-click sign-in link for that browser (sign_in_link)."""
    if not isinstance(device, EmailDevice):
        return False
    allowed, _ = device.generate_is_allowed()
    if not allowed:
        return False
    link = sign_in_link.new_link() if request is not None else None
    with mail.writing_to(user):  # the code e-mail (templates/otp/email/token.txt)
        device.generate_challenge(extra_context={"sign_in_link": link.url} if link else None)
    if request is not None:
        sign_in_link.remember(request, device, link, next_url)
    audit.record(action=AuditAction.AUTH_OTP_SENT, actor=user, subject_user=user, obj=device)
    return True


def challenge_wait_seconds(device: Device) -> int:
    """Whole seconds, rounded up, until `send_challenge` may e-mail a new code; 0 when it may."""
    if not isinstance(device, EmailDevice):
        return 0
    allowed, details = device.generate_is_allowed()
    if allowed or not details or "next_generation_at" not in details:
        return 0
    left = (details["next_generation_at"] - timezone.now()).total_seconds()
    return max(1, math.ceil(left))


@dataclass(frozen=True)
class VerifyResult:
    verified: bool
    throttled: bool = False
    retry_after: int = 0


def _address_key() -> str:
    return f"otp-fail:{request_context.client_address.get()}"


def _address_attempt_allowed() -> bool:
    """Count this attempt against the client address *before* its code is looked at. The count is
    one shared cache key (Redis across processes) changed only by the atomic `incr`, so N
    parallel attempts see N different values and only the first OTP_ADDRESS_FAILURE_LIMIT go on
    (reading the count first and adding to it after let every parallel attempt through)."""
    key = _address_key()
    for _ in range(3):
        # `add` starts the window only if no process has (SET NX); the window is not extended.
        cache.add(key, 0, ADDRESS_WINDOW_SECONDS)
        try:
            count = int(cache.incr(key))
        except ValueError:  # the window ended between add and incr: start the next one
            continue
        return count <= settings.OTP_ADDRESS_FAILURE_LIMIT
    return False


def _address_attempt_returned() -> None:
    """The attempt was not a wrong code (right, or refused unseen): it no longer counts."""
    try:
        cache.decr(_address_key())
    except ValueError:  # the window has ended meanwhile
        pass


def verify_second_factor(request: HttpRequest, device: Device, token: str) -> VerifyResult:
    """Step two. Throttled per account (django-otp's back-off on the device) and per client
    address (a shared cache counter, so it holds across processes). Both are counted atomically
    before the code is compared, so parallel attempts cannot get more guesses than one at a
    time would."""
    user = request.user
    assert isinstance(user, User)
    if not _address_attempt_allowed():
        _address_attempt_returned()
        with transaction.atomic():
            audit.record(
                action=AuditAction.AUTH_OTP_THROTTLED,
                actor=user,
                subject_user=user,
                reason="address",
            )
        return VerifyResult(False, throttled=True, retry_after=ADDRESS_WINDOW_SECONDS)
    token = "".join(token.split())
    with transaction.atomic():
        # The device row stays locked from the back-off check until this attempt's failure is
        # saved: attempts on one device, from any process, take turns, each sees the count the
        # ones before it committed, and django-otp's increment (read, +1, save) cannot lose a
        # failure. Without it parallel attempts were all checked against the same count and each
        # saved that count + 1 (issue 20: 40 wrong codes over two processes, 7 evaluated, 1 kept).
        device = type(device)._default_manager.select_for_update().get(pk=device.pk)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            locked_until = (info or {}).get("locked_until")
            audit.record(
                action=AuditAction.AUTH_OTP_THROTTLED,
                actor=user,
                subject_user=user,
                reason="account",
            )
            result = VerifyResult(False, throttled=True, retry_after=_retry_after(locked_until))
        elif not device.verify_token(token):
            count = getattr(device, "throttling_failure_count", 0)
            audit.record(
                action=AuditAction.AUTH_OTP_FAILED,
                actor=user,
                subject_user=user,
                obj=device,
                reason=f"failures {count}",
            )
            return VerifyResult(False)
        else:
            result = VerifyResult(True)
    _address_attempt_returned()
    if not result.verified:
        return result
    _second_factor_passed(request, device)
    return result


def _retry_after(locked_until: datetime | None) -> int:
    """Whole seconds until django-otp's back-off lets a device be tried again (at least 1)."""
    if locked_until is None:
        return 60
    return max(int((locked_until - timezone.now()).total_seconds()) + 1, 1)


def _second_factor_passed(request: HttpRequest, device: Device, reason: str = "") -> None:
    user = request.user
    otp_login(request, device)
    request.session.cycle_key()
    verified = AuditAction.AUTH_OTP_VERIFIED
    before = AuditEvent.objects.filter(action=verified, subject_user=user.pk).exists()
    audit.record(action=verified, actor=user, subject_user=user, obj=device, reason=reason)
    known_browsers.signed_in(request, user, signed_in_before=before)


def sign_in_by_link(request: HttpRequest, secret: str) -> sign_in_link.Used:
    """Step two by the one-click link in the code e-mail, in the browser that asked for the code
    (sign_in_link); audited like a typed code, with the reason "e-mailed link"."""
    used = sign_in_link.use(request, secret)
    if used.device is not None:
        _second_factor_passed(request, used.device, reason=sign_in_link.LINK_REASON)
    if used.outcome is sign_in_link.Outcome.THROTTLED:
        return dataclasses.replace(used, retry_after=_retry_after(used.locked_until))
    return used


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token("".join(token.split())):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(action=AuditAction.AUTH_TOTP_ENROLLED, actor=user, subject_user=user, obj=device)
    return True


@transaction.atomic
def backup_codes_regenerate(*, user: User, count: int = 10) -> list[str]:
    """Replace the user's backup codes; the plain codes are shown once and never stored."""
    device, _ = BackupCodeDevice.objects.get_or_create(
        user=user, defaults={"name": "backup codes", "confirmed": True}
    )
    device.codes.all().delete()
    codes = [new_code() for _ in range(count)]
    BackupCode.objects.bulk_create(
        BackupCode(device=device, code_hash=device.hash_code(c)) for c in codes
    )
    audit.record(
        action=AuditAction.AUTH_BACKUP_CODES_CREATED, actor=user, subject_user=user, obj=device
    )
    return codes


# --- users and roles ---------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    email: str,
    roles: list[str],
    display_name: str = "",
    member_number: str | None = None,
    skills: list[str] | None = None,
    actor: Any = None,
) -> User:
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"roles must be among {', '.join(ROLES)}")
    bad_skills = set(skills or []) - set(SKILLS)
    if bad_skills:
        raise ValueError(f"skills must be among {', '.join(SKILLS)}")
    if member_number and "member" not in roles:
        raise ValueError("only members have a member number")
    user = User(
        username=username,
        email=email,
        display_name=display_name,
        member_number=member_number or None,
        is_staff="supervisor" in roles,
    )
    for role in roles:
        setattr(user, f"is_{role}", True)
    for skill in skills or []:
        setattr(user, f"skill_{skill}", True)
    if password is None:
        # The person chooses their own password through an e-mailed link (password_setup_*).
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    audit.record(
        action=AuditAction.USER_CREATED,
        actor=actor,
        subject_user=user,
        obj=user,
        after={"roles": user.roles, "skills": user.skills},
    )
    return user


@transaction.atomic
def user_set_roles(*, user: User, roles: list[str], actor: Any) -> User:
    before = user.roles
    for role in ROLES:
        setattr(user, f"is_{role}", role in roles)
    user.save()
    audit.record(
        action=AuditAction.USER_ROLES_CHANGED,
        actor=actor,
        subject_user=user,
        obj=user,
        before={"roles": before},
        after={"roles": user.roles},
    )
    # The session hash includes the roles: every session of the user ends; close their sockets.
    events.user_signed_out(user.pk)
    return user


@transaction.atomic
def user_change_password(
    *, user: User, new_password: str, actor: Any, request: HttpRequest | None = None
) -> User:
    """Ends the user's other sessions (Django's session hash) and closes their sockets; the
    session making the change stays signed in."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(action=AuditAction.USER_PASSWORD_CHANGED, actor=actor, subject_user=user, obj=user)
    if request is not None and request.user.pk == user.pk:
        update_session_auth_hash(request, user)
    events.user_signed_out(user.pk)
    return user


# --- setting a first password by an e-mailed link ---------------------------------------------
# A new staff account starts with no usable password. Its owner opens a link sent to their own
# e-mail address and chooses the password; nobody else ever knows it. The token is Django's
# password-reset token (HMAC over the password hash, last login and e-mail, with its own salt):
# it stops working once used, once the person signs in, and after PASSWORD_RESET_TIMEOUT
# (three days). Signing in afterwards still needs the second factor.


class PasswordSetupTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "access_support.accounts.services.PasswordSetupTokenGenerator"


password_setup_tokens = PasswordSetupTokenGenerator()


def password_setup_path(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/accounts/set-password/{uid}/{password_setup_tokens.make_token(user)}/"


def password_setup_user(uidb64: str, token: str) -> User | None:
    """The account a link is for, or None for a link that is wrong, used or expired."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not password_setup_tokens.check_token(user, token):
        return None
    return user


def password_setup_link_send(*, user: User, base_url: str, actor: Any) -> None:
    """E-mail the link (Japanese, then English) once the transaction commits."""
    if not user.email:
        raise ValueError("the account has no e-mail address")
    url = base_url.rstrip("/") + password_setup_path(user)
    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    body = (
        f"{user.name} 様\n\n"
        "Accessible Support のオペレーターのアカウントを作りました。\n"
        f"次のリンクを開いて、パスワードを決めてください（{days}日間、1回だけ使えます）。\n\n"
        f"{url}\n\n"
        f"ユーザー名: {user.username}\n"
        "ログインのときは、パスワードのあと、メールで届く確認コードも入力します。\n\n"
        "An operator account has been created for you at Accessible Support.\n"
        f"Open the link above to choose your password (valid for {days} days, usable once).\n"
        f"User name: {user.username}. After the password, you also enter a code we e-mail you.\n\n"
        "心当たりがない場合は、このメールを削除してください。\n"
        "If you do not know about this, you can delete this e-mail.\n"
    )
    recipient = user.email
    audit.record(
        action=AuditAction.USER_PASSWORD_LINK_SENT, actor=actor, subject_user=user, obj=user
    )
    transaction.on_commit(
        lambda: send_mail(
            "【Accessible Support】パスワードの設定 / Choose your password",
            body,
            None,
            [recipient],
        )
    )


@transaction.atomic
def password_setup_complete(*, user: User, new_password: str) -> User:
    """The link's owner chose a password: the link stops working (the token covers the
    password hash). They sign in next, with the second factor, like every day."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(
        action=AuditAction.USER_PASSWORD_SET_BY_LINK, actor=None, subject_user=user, obj=user
    )
    events.user_signed_out(user.pk)
    return user


@transaction.atomic
def user_set_reading(*, user: User, plain_japanese: bool, furigana: bool, actor: Any) -> User:
    """The reading aids on Japanese pages (plain wording, furigana), remembered on the user."""
    return user_change_fields(
        user=user,
        action=AuditAction.USER_READING_CHANGED,
        actor=actor,
        plain_japanese=plain_japanese,
        furigana=furigana,
    )


@transaction.atomic
def user_set_language(*, user: User, language: str, actor: Any) -> User:
    """The language we write to the user in (every e-mail), remembered on the user."""
    if language not in dict(LANGUAGE_CHOICES):
        raise ValueError(f"language must be one of {', '.join(dict(LANGUAGE_CHOICES))}")
    return user_change_fields(
        user=user, action=AuditAction.USER_LANGUAGE_CHANGED, actor=actor, language=language
    )


def user_change_fields(*, user: User, action: str, actor: Any, **values: Any) -> User:
    """Store a person's own settings (`values`, field → value) and audit the change as `action`
    with the fields before and after; nothing written or audited when nothing changes. Run it in
    the caller's transaction."""
    before = {name: getattr(user, name) for name in values}
    if before == values:
        return user
    for name, value in values.items():
        setattr(user, name, value)
    user.save(update_fields=list(values))
    audit.record(
        action=action, actor=actor, subject_user=user, obj=user, before=before, after=values
    )
    return user


# --- forgotten password: a short-lived, single-use link by e-mail -------------------------------
# The answer is the same whether or not the address has an account; a link works once (its token
# covers the password hash and the last sign-in), for PASSWORD_RESET_LINK_SECONDS (1 hour); the
# reset ends every other session of the account (the session hash covers the password).


class PasswordResetLinkTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token (spent by the new password), signed with the time it was made so it
    lasts PASSWORD_RESET_LINK_SECONDS (an hour), not PASSWORD_RESET_TIMEOUT (the invitation's
    days). Only public API: `TimestampSigner` keeps the time and checks the age."""

    key_salt = "access_support.accounts.services.PasswordResetLinkTokenGenerator"

    def _signer(self) -> signing.TimestampSigner:
        return signing.TimestampSigner(salt=self.key_salt)

    def make_token(self, user: Any) -> str:
        return self._signer().sign(super().make_token(user))

    def check_token(self, user: Any, token: str | None) -> bool:
        if not token:
            return False
        max_age = int(settings.PASSWORD_RESET_LINK_SECONDS)
        try:
            inner = self._signer().unsign(token, max_age=max_age)
        except signing.BadSignature:  # altered, or older than the link lasts (SignatureExpired)
            return False
        return super().check_token(user, inner)


password_reset_tokens = PasswordResetLinkTokenGenerator()


def _counted(key: str, limit: int, window: int) -> bool:
    """Count one more against `key` (atomic, shared by every process); True while within
    `limit` per `window` seconds."""
    cache.add(key, 0, window)
    try:
        return int(cache.incr(key)) <= limit
    except ValueError:  # the window ended between add and incr
        cache.add(key, 1, window)
        return True


def password_reset_request(*, email: str) -> bool:
    """Send a reset link to the account with this address, if there is one and it may have
    one. Returns False only when the client address has asked too often (the page says so
    without telling whether the address has an account); the per-account limit is silent."""
    email = email.strip().lower()
    address = request_context.client_address.get()
    window = int(settings.PASSWORD_RESET_WINDOW_SECONDS)
    if not _counted(f"pw-reset-addr:{address}", settings.PASSWORD_RESET_PER_ADDRESS, window):
        return False
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None or not _counted(
        f"pw-reset-user:{user.pk}", settings.PASSWORD_RESET_PER_ACCOUNT, window
    ):
        return True
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    from access_support.site import site_url

    url = site_url(f"/accounts/reset-password/{uid}/{password_reset_tokens.make_token(user)}/")
    minutes = int(settings.PASSWORD_RESET_LINK_SECONDS) // 60
    with mail.writing_to(user):
        body = "\n".join(
            [
                gettext("Dear %(name)s,") % {"name": user.name},
                "",
                gettext("Here is the link to choose a new password for Accessible Support."),
                gettext(
                    "Open it within %(minutes)d minutes and choose a new password; it works once."
                )
                % {"minutes": minutes},
                "",
                url,
                "",
                gettext("Choosing a new password signs you out everywhere else."),
                gettext("After the password, you also enter the sign-in code we e-mail you."),
                "",
                gettext(
                    "If you did not ask for this, delete this e-mail. Your password stays as it is."
                ),
            ]
        )
        subject = mail.subject(gettext("Choose a new password"))
    audit.record(action=AuditAction.USER_PASSWORD_RESET_REQUESTED, actor=None, subject_user=user)
    recipient = user.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [recipient]))
    return True


def password_reset_user(uidb64: str, token: str) -> User | None:
    """The account a reset link is for, or None for a link that is wrong, used or expired."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not password_reset_tokens.check_token(user, token):
        return None
    return user


@transaction.atomic
def password_reset_complete(*, user: User, new_password: str) -> User:
    """A new password from the e-mailed link: the link stops working, every session of the
    account ends (the session hash covers the password) and its sockets close."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(action=AuditAction.USER_PASSWORD_RESET, actor=None, subject_user=user, obj=user)
    events.user_signed_out(user.pk)
    return user
