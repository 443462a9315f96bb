"""Every kind of audit event, once: the code stored in `AuditEvent.action` and the sentence a
person reads on a timeline or in a report. Services write `AuditAction.X`, readers filter by it,
and a code no longer appears as a string literal in two places. The core lists the apps' codes
as data (it imports none of them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # --- sign-in and accounts ---
    AUTH_PASSWORD_OK = "auth.password_ok", _("Signed in with the password")
    AUTH_PASSWORD_FAILED = "auth.password_failed", _("A wrong password was given")
    AUTH_LOCKED_OUT = "auth.locked_out", _("Sign-in was locked after wrong passwords")
    AUTH_OTP_SENT = "auth.otp_sent", _("A sign-in code was sent")
    AUTH_OTP_VERIFIED = "auth.otp_verified", _("The sign-in code was accepted")
    AUTH_OTP_FAILED = "auth.otp_failed", _("A wrong sign-in code was given")
    AUTH_OTP_THROTTLED = "auth.otp_throttled", _("Sign-in codes were paused after wrong codes")
    AUTH_TOTP_ENROLLED = "auth.totp_enrolled", _("An authenticator app was set up")
    AUTH_BACKUP_CODES_CREATED = "auth.backup_codes_created", _("Backup codes were made")
    AUTH_LOGOUT = "auth.logout", _("Signed out")
    USER_CREATED = "user.created", _("The account was created")
    USER_PASSWORD_CHANGED = "user.password_changed", _("The password was changed")
    USER_PASSWORD_LINK_SENT = "user.password_link_sent", _("A link to choose a password was sent")
    USER_PASSWORD_SET_BY_LINK = "user.password_set_by_link", _("A password was chosen by link")
    USER_PASSWORD_RESET_REQUESTED = (
        "user.password_reset_requested",
        _("A link to choose a new password was asked for"),
    )
    USER_PASSWORD_RESET = "user.password_reset", _("A new password was chosen by link")
    USER_READING_CHANGED = "user.reading_changed", _("The reading setting was changed")
    USER_LANGUAGE_CHANGED = "user.language_changed", _("The language setting was changed")
    USER_ROLES_CHANGED = "user.roles_changed", _("The account's roles were changed")
    USER_SKILLS_CHANGED = "user.skills_changed", _("The operator's skills were changed")
    USER_DEACTIVATED = "user.deactivated", _("The account was switched off")
    USER_REACTIVATED = "user.reactivated", _("The account was switched on again")
    RECOVERY_REQUESTED = "recovery.requested", _("Help to sign in again was asked for")
    RECOVERY_STOPPED = "recovery.stopped", _("The request to reset sign-in was stopped")
    RECOVERY_APPROVED = "recovery.approved", _("The request to reset sign-in was approved")
    RECOVERY_DECLINED = "recovery.declined", _("The request to reset sign-in was declined")
    RECOVERY_COMPLETED = "recovery.completed", _("The sign-in reset link was used")
    RETENTION_PURGED = "retention.purged", _("Old conversations were deleted (retention)")
    # --- Senior Support (proxies) ---
    PROXY_GRANT_INVITED = "proxy.grant_invited", _("A proxy was registered and invited")
    PROXY_GRANT_ACCEPTED = "proxy.grant_accepted", _("The proxy accepted the invitation")
    PROXY_GRANT_DECLINED = "proxy.grant_declined", _("The proxy declined the invitation")
    PROXY_GRANT_APPROVED = "proxy.grant_approved", _("The proxy was approved")
    PROXY_GRANT_REJECTED = "proxy.grant_rejected", _("The proxy was not approved")
    PROXY_GRANT_REVOKED = "proxy.grant_revoked", _("The proxy registration was ended")
    PROXY_GRANT_SUSPENDED = "proxy.grant_suspended", _("The proxy was paused")
    PROXY_GRANT_RESUMED = "proxy.grant_resumed", _("The proxy was resumed")
    PROXY_GRANT_EXPIRED = "proxy.grant_expired", _("The proxy registration expired")
    PROXY_GRANT_SCOPES_CHANGED = (
        "proxy.grant_scopes_changed",
        _("What the proxy may do was changed"),
    )
    PROXY_PROCEDURE_FILED = "proxy.procedure_filed", _("A request was filed")
    PROXY_PROCEDURE_CLAIMED = "proxy.procedure_claimed", _("Our staff started on a request")
    PROXY_PROCEDURE_QUESTION_ASKED = (
        "proxy.procedure_question_asked",
        _("Our staff asked a question about a request"),
    )
    PROXY_PROCEDURE_ANSWERED = (
        "proxy.procedure_answered",
        _("The question about a request was answered"),
    )
    PROXY_PROCEDURE_DONE = "proxy.procedure_done", _("A request was done")
    PROXY_PROCEDURE_DECLINED = "proxy.procedure_declined", _("A request was declined")
    PROXY_ACTION_DISOWNED = (
        "proxy.action_disowned",
        _("The member said a proxy's action was not theirs"),
    )
    PROXY_CODE_ISSUED = "proxy.code_issued", _("The proxy made a verification code")
    PROXY_ACTING_STARTED = "proxy.acting_started", _("The proxy started acting for you")
    PROXY_ACTING_ENDED = "proxy.acting_ended", _("The proxy stopped acting for you")
    PROXY_DECISION = "proxy.decision", _("A proxy's request was decided")
    PROXY_DESK_LOCKED = "proxy.desk_locked", _("The verification desk was locked after wrong codes")
    PROXY_DESK_REFUSED = "proxy.desk_refused", _("A desk check was refused (locked)")
    # --- sessions (sign language and written chat) ---
    SESSION_BOOKED = "signlanguage.session_booked", _("A session was booked")
    SESSION_RESCHEDULED = "signlanguage.session_rescheduled", _("A session was given a new time")
    SESSION_CANCELLED = "signlanguage.session_cancelled", _("A session was cancelled")
    SESSION_REASSIGNED = (
        "signlanguage.session_reassigned",
        _("A session was moved to another operator"),
    )
    SESSION_CLOSED = "signlanguage.session_closed", _("A session ended")
    SESSION_TRANSFERRED = (
        "signlanguage.session_transferred",
        _("The session was handed over to another operator"),
    )
    SESSION_ENDED_FOR_ABUSE = (
        "signlanguage.session_ended_for_abuse",
        _("The operator ended a session for harassment"),
    )
    SESSION_SWITCHED_TO_WRITTEN_CHAT = (
        "signlanguage.session_switched_to_written_chat",
        _("A sign-language session switched to written chat"),
    )
    SESSION_SWITCHED_TO_VIDEO = (
        "signlanguage.session_switched_to_video",
        _("A sign-language session switched back to video"),
    )
    # What is kept of a session's conversation (issue 22 item 7, signlanguage.live.keeping).
    SESSION_TRANSCRIPT_KEPT = (
        "signlanguage.session_transcript_kept",
        _("The customer chose to keep the conversation"),
    )
    SESSION_TRANSCRIPT_NOT_KEPT = (
        "signlanguage.session_transcript_not_kept",
        _("The customer chose not to keep the conversation"),
    )
    SESSION_TRANSCRIPT_DOWNLOADED = (
        "signlanguage.session_transcript_downloaded",
        _("The customer downloaded the conversation"),
    )
    SESSION_TRANSCRIPT_DELETED = (
        "signlanguage.session_transcript_deleted",
        _("The conversation was deleted as the customer chose"),
    )
    QUEUE_REQUESTED = "signlanguage.queue_requested", _("Asked to talk now")
    QUEUE_TAKEN = "signlanguage.queue_taken", _("An operator took the talk-now request")
    QUEUE_LEFT = "signlanguage.queue_left", _("Stopped waiting to talk now")
    QUEUE_CLOSED_FOR_THE_DAY = (
        "signlanguage.queue_closed_for_the_day",
        _("A talk-now request was closed at closing time"),
    )
    QUEUE_CLOSED_WAITED_TOO_LONG = (
        "signlanguage.queue_closed_waited_too_long",
        _("A talk-now request was closed after waiting too long"),
    )
    QUEUE_CLOSED_CUSTOMER_LEFT = (
        "signlanguage.queue_closed_customer_left",
        _("A talk-now request was closed: the customer had left"),
    )
    SESSION_ENDED_CUSTOMER_LEFT = (
        "signlanguage.session_ended_customer_left",
        _("A session ended: the customer left and did not come back"),
    )
    SESSION_ABANDONED = (
        "signlanguage.session_abandoned",
        _("A session was abandoned: the customer and the operator both left"),
    )
    FEEDBACK_GIVEN = "signlanguage.feedback_given", _("Feedback was given")
    ABUSE_REVIEWED = "signlanguage.abuse_reviewed", _("A harassment report was reviewed")
    CANNED_PHRASE_SAVED = "signlanguage.canned_phrase_saved", _("A set phrase was saved")
    CANNED_PHRASE_DELETED = "signlanguage.canned_phrase_deleted", _("A set phrase was deleted")
    SHIFT_ADDED = "signlanguage.shift_added", _("A shift was added")
    SHIFT_DELETED = "signlanguage.shift_deleted", _("A shift was deleted")
    SHIFTS_COPIED = "signlanguage.shifts_copied", _("A week of shifts was copied")
    # --- supervision ---
    ABUSE_DECIDED = "supervision.abuse_decided", _("A supervisor decided on a harassment report")
    CLOSED_DAY_ADDED = "supervision.closed_day_added", _("A closed day was added")
    CLOSED_DAY_REMOVED = "supervision.closed_day_removed", _("A closed day was removed")
    TALK_NOW_RESTRICTED = "supervision.talk_now_restricted", _("Talk now was restricted")
    TALK_NOW_RESTRICTION_LIFTED = (
        "supervision.talk_now_restriction_lifted",
        _("The talk-now restriction was lifted"),
    )
    VOICE_TAGGED = "supervision.voice_tagged", _("A customer's voice was recorded")
    VOICE_STATUS_CHANGED = (
        "supervision.voice_status_changed",
        _("The status of a customer's voice was changed"),
    )


def label(action: str) -> str:
    """The sentence for a stored code; the code itself for one this version does not know."""
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return action
