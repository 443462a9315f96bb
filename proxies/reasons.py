"""A decision's reason code (policies.decide, decide_at_desk) in words, in the reader's
language. The one mapping: the proxies pages and the operator's customer card both read it."""

from __future__ import annotations

from django.utils.translation import gettext as _


def explain(reason: str) -> str:
    """The sentence for a reason code; an unknown code is returned as it is."""
    texts = {
        "ok": _("Allowed. The proxy may do this."),
        "not_authenticated": _("Not signed in."),
        "otp_required": _("The second sign-in step is not done."),
        "unknown_member": _("There is no member with this number."),
        "not_delegable": _("Nobody can do this for a member. The member must do it themself."),
        "invalid_code": _("The code is wrong, expired, already used, or for another member."),
        "no_grant": _("This person is not a proxy of this member."),
        "grant_not_active": _("The proxy registration is not active."),
        "grant_paused": _("The member has paused this proxy registration for now."),
        "grant_revoked": _("The member has ended this proxy registration."),
        "grant_expired": _("The proxy registration has passed its end date."),
        "scope_missing": _("The member has not allowed the proxy to do this."),
    }
    return texts.get(reason, reason)
