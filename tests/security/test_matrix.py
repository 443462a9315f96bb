"""The authorisation matrix (docs/security.md, issue 8): every URL pattern × method × role → answer.

The routes are walked from the resolver, so a route added without a row here fails
`test_every_route_has_a_row` with its name. Each cell is an exact status code, or `login` / `otp`
for a redirect to the password or second-factor page. Every role's request runs in its own
savepoint against the same world (tests/security/conftest.py), so a role that changes something
(cancels a booking, revokes a grant) does not change what the next role sees.

GET requests carry no query; POST requests carry an empty body (`{}` for the JSON API, an empty
form for pages), so "the gate let you in" shows as the validation answer (400) or the action's
own answer, and "the gate refused" as 401/403/404/login/otp.

Adding a route: `MATRIX_DUMP=1 pytest tests/security/test_matrix.py -k answers -s` prints what
every role gets today; review each cell as a security decision before copying it into MATRIX.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import Resolver404, URLResolver, get_resolver, resolve, reverse

from tests.security.conftest import ROLES, World

pytestmark = pytest.mark.django_db

# Django admin internals (model changelists, add/change/delete, password change, jsi18n…) are
# Django's own code, gated by `is_staff` behind our second-factor middleware; the admin index
# and login rows below prove that gate for every role. They are not listed one by one.
SKIPPED_NAMESPACES = ("admin",)
ADMIN_ROWS = ("admin:index", "admin:login")
# Apps still being written in this checkout (not committed yet): their routes get rows when they
# land. Remove the namespace from here then; the completeness test names every missing row.
PENDING_NAMESPACES: tuple[str, ...] = ()

# The URL kwargs of each route with arguments, filled from the world's objects.
KWARGS: dict[str, Callable[[World], dict[str, Any]]] = {
    "proxies:grant-detail": lambda w: {"pk": w.objects["grant"].pk},
    "proxies:grant-revoke": lambda w: {"pk": w.objects["grant"].pk},
    "proxies:grant-pause": lambda w: {"pk": w.objects["grant"].pk, "verb": "suspend"},
    "proxies:invitation": lambda w: {"token": w.invitation_token},
    "proxies:act-start": lambda w: {"member_id": w.users["member"].pk},
    "proxies:code-new": lambda w: {"member_id": w.users["member"].pk},
    "proxies:review": lambda w: {"pk": w.objects["grant"].pk},
    "proxies:register-step": lambda w: {"step": "person"},
    "proxies:procedure": lambda w: {"pk": w.objects["procedure"].pk},
    "proxies:backoffice-procedure": lambda w: {"pk": w.objects["procedure"].pk},
    "proxies:backoffice-claim": lambda w: {"pk": w.objects["procedure"].pk},
    "proxies-api:approve": lambda w: {"pk": w.objects["grant"].pk},
    "proxies-api:reject": lambda w: {"pk": w.objects["grant"].pk},
    "proxies-api:revoke": lambda w: {"pk": w.objects["grant"].pk},
    "proxies-api:suspend": lambda w: {"pk": w.objects["grant"].pk},
    "proxies-api:resume": lambda w: {"pk": w.objects["grant"].pk},
    "proxies-api:scopes": lambda w: {"pk": w.objects["grant"].pk},
    "signlanguage:detail": lambda w: {"pk": w.objects["booking"].pk},
    "signlanguage:cancel": lambda w: {"pk": w.objects["booking"].pk},
    "signlanguage:ics": lambda w: {"pk": w.objects["booking"].pk},
    "signlanguage:waiting": lambda w: {"pk": w.objects["now_request"].pk},
    "signlanguage:leave": lambda w: {"pk": w.objects["now_request"].pk},
    "signlanguage:take": lambda w: {"pk": w.objects["now_request"].pk},
    "signlanguage:shift-delete": lambda w: {"pk": w.objects["shift"].pk},
    "signlanguage:live-session": lambda w: {"pk": w.objects["booking"].pk},
    "signlanguage:live-close": lambda w: {"pk": w.objects["booking"].pk},
    "signlanguage:live-end-abuse": lambda w: {"pk": w.objects["booking"].pk},
    "signlanguage:live-transfer": lambda w: {"pk": w.objects["booking"].pk},
    "signlanguage:live-transcript": lambda w: {"pk": w.objects["booking"].pk},
    "signlanguage:live-feedback": lambda w: {"pk": w.objects["closed"].pk},
    "signlanguage:live-transcript-choice": lambda w: {"pk": w.objects["closed"].pk},
    "signlanguage-api:booking": lambda w: {"pk": w.objects["booking"].pk},
    "signlanguage-api:cancel": lambda w: {"pk": w.objects["booking"].pk},
    "signlanguage-api:reschedule": lambda w: {"pk": w.objects["booking"].pk},
    "signlanguage-api:take": lambda w: {"session_id": w.objects["now_request"].pk},
    "signlanguage-api:live-api-messages": lambda w: {"pk": w.objects["booking"].pk},
    "supervision:closed-day-remove": lambda w: {"pk": w.objects["closed_day"].pk},
    "supervision:operator-detail": lambda w: {"pk": w.users["operator"].pk},
    "supervision:operator-password-link": lambda w: {"pk": w.users["operator"].pk},
    "supervision:operator-deactivate": lambda w: {"pk": w.users["operator"].pk},
    "supervision:operator-reactivate": lambda w: {"pk": w.users["operator"].pk},
    "accounts:set-password": lambda w: {"uidb64": "MQ", "token": "not-a-token"},
    "accounts:reset-password": lambda w: {"uidb64": "MQ", "token": "not-a-token"},
    "accounts:recovery-stop": lambda w: {"token": "not-a-token"},
    "accounts:recovery-finish": lambda w: {"token": "not-a-token"},
    "accounts:otp-link": lambda w: {"secret": "not-a-link"},
    "supervision:recovery-detail": lambda w: {"pk": w.objects["recovery"].pk},
    "supervision:report": lambda w: {"slug": "sessions"},
    "supervision:report-csv": lambda w: {"slug": "sessions"},
    "supervision:voice-tag-feedback": lambda w: {"pk": w.objects["feedback"].pk},
    "supervision:voice-tag-summary": lambda w: {"pk": w.objects["closed"].pk},
    "supervision:voice-detail": lambda w: {"pk": w.objects["voice"].pk},
    "supervision:abuse-detail": lambda w: {"pk": w.objects["abuse"].pk},
    "supervision:restriction-lift": lambda w: {"pk": w.objects["restriction"].pk},
    # The member's notice of the proxy's filing (the world's lost-card report), and member B's
    # notice of their recovery request (issue 21 item 5).
    "proxies:notice-disown": lambda w: {"pk": _notice(w, "member", "procedure.filed")},
    "notifications:stop-recovery": lambda w: {"pk": _notice(w, "member_b", "recovery.requested")},
}


def _notice(w: World, user: str, kind: str) -> int:
    from access_support.notifications.models import Notice

    return Notice.objects.get(user=w.users[user], kind=kind).pk


# Cells: a status code, `login` / `otp` (sent to sign in / to the second factor), or `>name` (a
# redirect to that route); `7*403` repeats a cell. Columns, in ROLES order:
#   anonymous  password_only  member(A)  member_b  proxy(of A, all scopes)  proxy_nobook(no
#   session.book)  revoked_proxy  operator(assigned to A's sessions)  supervisor
# fmt: off
MATRIX: dict[tuple[str, str], str] = {
    # --- project ---
    ("home", "GET"):                               "login otp 7*200",
    ("home", "POST"):                              "login otp 7*405",
    ("healthz", "GET"):                            "9*200",
    ("healthz", "POST"):                           "9*405",
    # the public help page (hours, lost card, emergencies): open to all, signed in or not
    ("help", "GET"):                               "9*200",
    ("help", "POST"):                              "9*405",
    ("set-language", "GET"):                       "9*405",
    ("set-language", "POST"):                      "9*>home",
    ("set-reading", "GET"):                        "9*405",
    ("set-reading", "POST"):                       "9*>home",
    # --- sign-in (open before the second factor) ---
    ("accounts:login", "GET"):                     "9*200",
    ("accounts:login", "POST"):                    "9*400",
    ("accounts:logout", "GET"):                    "9*405",
    ("accounts:logout", "POST"):                   "9*login",
    ("accounts:otp", "GET"):                       "login 200 7*>home",
    ("accounts:otp", "POST"):                      "login 400 7*>home",
    # the code e-mail's one-click link: signs in only the browser that asked (none here: 400)
    ("accounts:otp-link", "GET"):                  "400 400 7*>home",
    ("accounts:otp-link", "POST"):                 "9*405",
    # the notification centre (issue 21 item 5): everyone signed in has their own list; a
    # recovery notice's "not you? stop it" is its owner's only (member B has one)
    ("notifications:list", "GET"):                 "login otp 7*200",
    ("notifications:list", "POST"):                "login otp 7*405",
    ("notifications:read", "GET"):                 "login otp 7*405",
    ("notifications:read", "POST"):                "login otp 7*>notifications:list",
    ("notifications:stop-recovery", "GET"):        "login otp 7*405",
    ("notifications:stop-recovery", "POST"):       "login otp 404 >notifications:list 5*404",
    ("accounts:security", "GET"):                  "login otp 7*200",
    ("accounts:security", "POST"):                 "login otp 7*200",
    # the e-mailed link to choose a first password: open to all; a wrong link changes nothing
    ("accounts:set-password", "GET"):              "9*200",
    ("accounts:set-password", "POST"):             "9*200",
    # "forgot your password?": open to all; an empty form is a 400; a wrong link changes nothing
    ("accounts:forgot-password", "GET"):           "9*200",
    ("accounts:forgot-password", "POST"):          "9*400",
    ("accounts:reset-password", "GET"):            "9*200",
    ("accounts:reset-password", "POST"):           "9*200",
    # lost every sign-in method: the request after the password only; the e-mailed stop link
    # and the approval's link open to all (a wrong token changes nothing)
    ("accounts:recovery", "GET"):                  "login 200 7*>accounts:security",
    ("accounts:recovery", "POST"):                 "login 400 7*>accounts:security",
    ("accounts:recovery-stop", "GET"):             "9*200",
    ("accounts:recovery-stop", "POST"):            "9*200",
    ("accounts:recovery-finish", "GET"):           "9*200",
    ("accounts:recovery-finish", "POST"):          "9*200",
    # --- sign-in API ---
    ("accounts-api:csrf", "GET"):                  "9*200",
    ("accounts-api:csrf", "POST"):                 "9*405",
    ("accounts-api:login", "GET"):                 "9*405",
    ("accounts-api:login", "POST"):                "9*400",
    ("accounts-api:me", "GET"):                    "401 401 7*200",
    ("accounts-api:me", "POST"):                   "401 401 7*405",
    # the idle clock of the timeout warning: GET reads it, POST (Extend) restarts it
    ("accounts-api:session", "GET"):               "401 401 7*200",
    ("accounts-api:session", "POST"):              "401 401 7*200",
    ("accounts-api:otp-challenge", "GET"):         "9*405",
    ("accounts-api:otp-challenge", "POST"):        "401 8*200",
    ("accounts-api:otp-verify", "GET"):            "9*405",
    ("accounts-api:otp-verify", "POST"):           "401 8*400",
    # --- Django admin: staff (supervisors) only, behind the second factor ---
    ("admin:index", "GET"):                        "login otp 6*>admin:login 200",
    ("admin:index", "POST"):                       "login otp 6*>admin:login 200",
    ("admin:login", "GET"):                        "login otp 6*200 >admin:index",
    ("admin:login", "POST"):                       "login otp 7*200",
    # the admin's sign-out is the project's (audited, websockets closed), matched before admin/
    ("admin-logout", "GET"):                       "login otp 7*405",
    ("admin-logout", "POST"):                      "login otp 7*login",
    # --- Senior Support pages ---
    ("proxies:act-start", "GET"):                  "login otp 7*405",
    ("proxies:act-start", "POST"):
        "login otp 404 404 >proxies:procedure-new >proxies:procedure-new >proxies:helping 404 404",
    ("proxies:act-stop", "GET"):                   "login otp 7*405",
    ("proxies:act-stop", "POST"):                  "login otp 7*>home",
    # reopened from history: a code is shown once; the proxy is sent to "members I help"
    ("proxies:code-new", "GET"):                   "login otp 404 404 3*>proxies:helping 404 404",
    ("proxies:code-new", "POST"):
        "login otp 404 404 200 200 >proxies:helping 404 404",
    ("proxies:desk", "GET"):                       "login otp 5*403 200 200",
    ("proxies:desk", "POST"):                      "login otp 5*403 400 400",
    ("proxies:grant-detail", "GET"):               "login otp 200 404 200 3*404 200",
    ("proxies:grant-detail", "POST"):              "login otp 400 404 403 3*404 403",
    ("proxies:grant-pause", "GET"):                "login otp 7*405",
    ("proxies:grant-pause", "POST"):
        "login otp >proxies:grant-detail 404 403 3*404 >proxies:grant-detail",
    ("proxies:grant-revoke", "GET"):               "login otp 200 404 403 3*404 200",
    ("proxies:grant-revoke", "POST"):
        "login otp >proxies:my-proxies 404 403 3*404 >proxies:grant-detail",
    ("proxies:helping", "GET"):                    "login otp 403 403 3*200 403 403",
    ("proxies:helping", "POST"):                   "login otp 7*405",
    ("proxies:invitation", "GET"):                 "9*200",
    ("proxies:invitation", "POST"):                "9*400",
    ("proxies:my-proxies", "GET"):                 "login otp 200 200 5*403",
    ("proxies:my-proxies", "POST"):                "login otp 7*405",
    ("proxies:procedure-new", "GET"):
        "login otp 200 200 3*>proxies:helping >home >home",
    ("proxies:procedure-new", "POST"):
        "login otp 400 400 3*>proxies:helping >home >home",
    # a request's own page: the member it is for and the proxy who filed it (grant in force);
    # a POST with no question waiting goes back to the page with a word
    ("proxies:procedure", "GET"):                  "login otp 200 404 200 4*404",
    ("proxies:procedure", "POST"):
        "login otp >proxies:procedure 404 >proxies:procedure 4*404",
    ("proxies:procedures", "GET"):                 "login otp 5*200 403 403",
    ("proxies:procedures", "POST"):                "login otp 7*405",
    # the back office: supervisors and operators with the `procedures` skill (the matrix's
    # operator has sign language and written chat only: refused)
    ("proxies:backoffice", "GET"):                 "login otp 6*403 200",
    ("proxies:backoffice", "POST"):                "login otp 7*405",
    # staff file a request a member asked them for: any operator, and supervisors
    ("proxies:backoffice-new", "GET"):             "login otp 5*403 200 200",
    ("proxies:backoffice-new", "POST"):            "login otp 5*403 400 400",
    ("proxies:backoffice-claim", "GET"):           "login otp 7*405",
    ("proxies:backoffice-claim", "POST"):
        "login otp 6*403 >proxies:backoffice-procedure",
    ("proxies:backoffice-procedure", "GET"):       "login otp 6*403 200",
    ("proxies:backoffice-procedure", "POST"):
        "login otp 6*403 >proxies:backoffice-procedure",
    ("proxies:register", "GET"):                   "login otp 200 200 3*403 200 403",
    ("proxies:register", "POST"):                  "login otp 400 400 3*403 400 403",
    ("proxies:register-step", "GET"):              "login otp 200 200 3*403 200 403",
    ("proxies:register-step", "POST"):             "login otp 400 400 3*403 400 403",
    ("proxies:review", "GET"):                     "login otp 403 404 403 3*404 200",
    ("proxies:review", "POST"):                    "login otp 403 404 403 3*404 400",
    ("proxies:review-queue", "GET"):               "login otp 6*403 200",
    ("proxies:review-queue", "POST"):              "login otp 7*405",
    ("proxies:timeline", "GET"):                   "login otp 200 200 5*403",
    ("proxies:timeline", "POST"):                  "login otp 7*405",
    # "this wasn't me" on A's notice of the proxy's filing: A only (pauses the grant, opens a
    # request to staff); another member's notice is not found; other roles are not members
    ("proxies:notice-disown", "GET"):              "login otp 7*405",
    ("proxies:notice-disown", "POST"):             "login otp >notifications:list 404 5*403",
    # --- Senior Support API ---
    ("proxies-api:accept", "GET"):                 "401 401 7*405",
    ("proxies-api:accept", "POST"):                "401 401 7*400",
    ("proxies-api:approve", "GET"):                "401 401 7*405",
    ("proxies-api:approve", "POST"):               "401 401 403 404 403 3*404 400",
    ("proxies-api:authorization-check", "GET"):    "401 401 7*405",
    ("proxies-api:authorization-check", "POST"):   "401 401 5*403 400 400",
    ("proxies-api:codes", "GET"):                  "401 401 7*405",
    ("proxies-api:codes", "POST"):                 "401 401 7*400",
    ("proxies-api:grants", "GET"):                 "401 401 7*200",
    ("proxies-api:grants", "POST"):                "401 401 400 400 5*403",
    ("proxies-api:reject", "GET"):                 "401 401 7*405",
    ("proxies-api:reject", "POST"):                "401 401 403 404 403 3*404 400",
    ("proxies-api:resume", "GET"):                 "401 401 7*405",
    ("proxies-api:resume", "POST"):                "401 401 409 404 403 3*404 409",
    ("proxies-api:revoke", "GET"):                 "401 401 7*405",
    ("proxies-api:revoke", "POST"):                "401 401 200 404 403 3*404 200",
    ("proxies-api:scopes", "GET"):                 "401 401 7*405",
    ("proxies-api:scopes", "POST"):                "401 401 400 404 403 3*404 403",
    ("proxies-api:suspend", "GET"):                "401 401 7*405",
    ("proxies-api:suspend", "POST"):               "401 401 200 404 403 3*404 200",
    # --- sessions pages ---
    ("signlanguage:book", "GET"):                  "login otp 7*200",
    ("signlanguage:book", "POST"):                 "login otp 7*405",
    # the confirmation page before a cancellation (issue 26 item 6)
    ("signlanguage:cancel", "GET"):                "login otp 200 4*404 2*>signlanguage:detail",
    ("signlanguage:cancel", "POST"):
        "login otp >signlanguage:detail 4*404 >signlanguage:detail >signlanguage:detail",
    ("signlanguage:confirm", "GET"):               "login otp 7*>signlanguage:book",
    ("signlanguage:confirm", "POST"):              "login otp 7*>signlanguage:book",
    ("signlanguage:detail", "GET"):                "login otp 200 4*404 200 200",
    ("signlanguage:detail", "POST"):               "login otp 7*405",
    ("signlanguage:ics", "GET"):                   "login otp 200 4*404 200 200",
    ("signlanguage:ics", "POST"):                  "login otp 7*405",
    ("signlanguage:leave", "GET"):                 "login otp 7*405",
    ("signlanguage:leave", "POST"):
        "login otp >signlanguage:mine 5*404 >signlanguage:mine",
    ("signlanguage:live-canned-phrases", "GET"):   "login otp 6*403 200",
    ("signlanguage:live-canned-phrases", "POST"):  "login otp 6*403 200",
    ("signlanguage:live-close", "GET"):            "login otp 7*405",
    ("signlanguage:live-close", "POST"):           "login otp 403 404 403 404 404 400 404",
    ("signlanguage:live-console", "GET"):          "login otp 5*403 200 403",
    ("signlanguage:live-console", "POST"):         "login otp 5*403 200 403",
    ("signlanguage:live-end-abuse", "GET"):        "login otp 7*405",
    ("signlanguage:live-end-abuse", "POST"):       "login otp 403 404 403 404 404 400 404",
    # handing over to a colleague on shift: the session's operator only (an empty form is a 400)
    ("signlanguage:live-transfer", "GET"):         "login otp 403 404 403 404 404 200 404",
    ("signlanguage:live-transfer", "POST"):        "login otp 403 404 403 404 404 400 404",
    ("signlanguage:live-feedback", "GET"):         "login otp 200 404 200 404 404 403 404",
    ("signlanguage:live-feedback", "POST"):        "login otp 400 404 400 404 404 403 404",
    # the customer's side chooses whether the conversation is kept (issue 22 item 7); the operator
    # of the session may not (403); an empty choice is a 400
    ("signlanguage:live-transcript-choice", "GET"): "login otp 7*405",
    ("signlanguage:live-transcript-choice", "POST"): "login otp 400 404 400 404 404 403 404",
    ("signlanguage:live-session", "GET"):          "login otp 200 404 200 404 404 200 404",
    ("signlanguage:live-session", "POST"):         "login otp 200 404 200 404 404 200 404",
    ("signlanguage:live-transcript", "GET"):       "login otp 200 404 200 404 404 200 404",
    ("signlanguage:live-transcript", "POST"):      "login otp 200 404 200 404 404 200 404",
    ("signlanguage:mine", "GET"):                  "login otp 7*200",
    ("signlanguage:mine", "POST"):                 "login otp 7*405",
    ("signlanguage:queue", "GET"):                 "login otp 5*403 200 200",
    ("signlanguage:queue", "POST"):                "login otp 7*405",
    ("signlanguage:shift-delete", "GET"):          "login otp 7*405",
    ("signlanguage:shift-delete", "POST"):         "login otp 6*403 >signlanguage:shifts",
    ("signlanguage:shifts", "GET"):                "login otp 6*403 200",
    ("signlanguage:shifts", "POST"):               "login otp 6*403 200",
    ("signlanguage:shifts-copy-week", "GET"):      "login otp 6*403 200",
    ("signlanguage:shifts-copy-week", "POST"):     "login otp 6*403 400",
    ("signlanguage:take", "GET"):                  "login otp 7*405",
    ("signlanguage:take", "POST"):                 "login otp 5*403 >signlanguage:live-session 403",
    ("signlanguage:talk-now", "GET"):              "login otp >signlanguage:waiting 6*403",
    ("signlanguage:talk-now", "POST"):             "login otp >signlanguage:waiting 6*403",
    ("signlanguage:waiting", "GET"):               "login otp 200 5*404 200",
    ("signlanguage:waiting", "POST"):              "login otp 7*405",
    # --- sessions API ---
    ("signlanguage-api:availability", "GET"):      "401 401 7*400",
    ("signlanguage-api:availability", "POST"):     "401 401 7*405",
    ("signlanguage-api:booking", "GET"):           "401 401 200 4*404 200 200",
    ("signlanguage-api:booking", "POST"):          "401 401 7*405",
    ("signlanguage-api:bookings", "GET"):          "401 401 7*200",
    ("signlanguage-api:bookings", "POST"):         "401 401 7*400",
    ("signlanguage-api:cancel", "GET"):            "401 401 7*405",
    ("signlanguage-api:cancel", "POST"):           "401 401 200 4*404 403 403",
    ("signlanguage-api:live-api-messages", "GET"): "401 401 200 404 200 404 404 200 404",
    ("signlanguage-api:live-api-messages", "POST"): "401 401 7*405",
    ("signlanguage-api:queue", "GET"):             "401 401 5*403 200 200",
    ("signlanguage-api:queue", "POST"):            "401 401 7*400",
    ("signlanguage-api:reschedule", "GET"):        "401 401 7*405",
    ("signlanguage-api:reschedule", "POST"):       "401 401 400 4*404 400 400",
    ("signlanguage-api:take", "GET"):              "401 401 7*405",
    ("signlanguage-api:take", "POST"):             "401 401 5*403 200 403",
    # --- supervision pages (the operator tags the voice of the customer in their own sessions) ---
    ("supervision:recovery", "GET"):               "login otp 6*403 200",
    ("supervision:recovery", "POST"):              "login otp 7*405",
    ("supervision:recovery-detail", "GET"):        "login otp 6*403 200",
    ("supervision:recovery-detail", "POST"):       "login otp 6*403 200",
    ("supervision:abuse", "GET"):                  "login otp 6*403 200",
    ("supervision:abuse", "POST"):                 "login otp 7*405",
    ("supervision:abuse-detail", "GET"):           "login otp 6*403 200",
    ("supervision:abuse-detail", "POST"):          "login otp 6*403 200",
    ("supervision:closed-day-remove", "GET"):      "login otp 7*405",
    ("supervision:closed-day-remove", "POST"):     "login otp 6*403 >supervision:closed-days",
    ("supervision:closed-days", "GET"):            "login otp 6*403 200",
    ("supervision:closed-days", "POST"):           "login otp 6*403 200",
    ("supervision:home", "GET"):                   "login otp 6*403 200",
    ("supervision:home", "POST"):                  "login otp 7*405",
    ("supervision:operator-detail", "GET"):        "login otp 6*403 200",
    ("supervision:operator-detail", "POST"):       "login otp 6*403 400",
    ("supervision:operator-new", "GET"):           "login otp 6*403 200",
    ("supervision:operator-new", "POST"):          "login otp 6*403 400",
    ("supervision:operator-password-link", "GET"): "login otp 7*405",
    ("supervision:operator-deactivate", "GET"):    "login otp 7*405",
    ("supervision:operator-deactivate", "POST"):
        "login otp 6*403 >supervision:operator-detail",
    ("supervision:operator-reactivate", "GET"):    "login otp 7*405",
    ("supervision:operator-reactivate", "POST"):
        "login otp 6*403 >supervision:operator-detail",
    ("supervision:operator-password-link", "POST"):
        "login otp 6*403 >supervision:operator-detail",
    ("supervision:operators", "GET"):              "login otp 6*403 200",
    ("supervision:operators", "POST"):             "login otp 7*405",
    ("supervision:report", "GET"):                 "login otp 6*403 200",
    ("supervision:report", "POST"):                "login otp 7*405",
    ("supervision:report-csv", "GET"):             "login otp 6*403 200",
    ("supervision:report-csv", "POST"):            "login otp 7*405",
    ("supervision:reports", "GET"):                "login otp 6*403 200",
    ("supervision:reports", "POST"):               "login otp 7*405",
    ("supervision:restriction-lift", "GET"):       "login otp 7*405",
    ("supervision:restriction-lift", "POST"):      "login otp 6*403 >supervision:abuse",
    ("supervision:voice", "GET"):                  "login otp 6*403 200",
    ("supervision:voice", "POST"):                 "login otp 7*405",
    ("supervision:voice-csv", "GET"):              "login otp 6*403 200",
    ("supervision:voice-csv", "POST"):             "login otp 7*405",
    ("supervision:voice-detail", "GET"):           "login otp 6*403 200",
    ("supervision:voice-detail", "POST"):          "login otp 6*403 200",
    ("supervision:voice-sources", "GET"):          "login otp 6*403 200",
    ("supervision:voice-sources", "POST"):         "login otp 7*405",
    ("supervision:voice-tag-feedback", "GET"):     "login otp 5*403 200 200",
    ("supervision:voice-tag-feedback", "POST"):    "login otp 5*403 200 200",
    ("supervision:voice-tag-summary", "GET"):      "login otp 5*403 200 200",
    ("supervision:voice-tag-summary", "POST"):     "login otp 5*403 200 200",
}
# fmt: on


def cells(row: str) -> list[str]:
    out: list[str] = []
    for token in row.split():
        count, _star, cell = token.rpartition("*") if "*" in token else ("1", "", token)
        out += [cell] * int(count)
    return out


def test_every_row_has_a_cell_per_role():
    bad = {key: row for key, row in MATRIX.items() if len(cells(row)) != len(ROLES)}
    assert not bad, f"rows need {len(ROLES)} cells: {bad}"


def walk(patterns: list[Any], namespace: str = "", prefix: str = "") -> Iterator[tuple[str, str]]:
    """(namespaced name, full route) of every URL pattern, through every include."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            full = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from walk(pattern.url_patterns, full, route)
        else:
            name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
            yield name or f"<unnamed {route}>", route


def routes() -> list[str]:
    names: list[str] = []
    for name, _pattern in walk(get_resolver().url_patterns):
        namespace = name.split(":")[0]
        if namespace in PENDING_NAMESPACES:
            continue
        if namespace in SKIPPED_NAMESPACES and name not in ADMIN_ROWS:
            continue
        if name not in names:
            names.append(name)
    return names


def test_every_route_has_a_row():
    """A new route without rows fails here, naming it."""
    missing = [
        f"{name} {method}"
        for name in routes()
        for method in ("GET", "POST")
        if (name, method) not in MATRIX
    ]
    assert not missing, "routes without a row in tests/security/test_matrix.py: " + ", ".join(
        missing
    )
    stale = sorted({name for name, _m in MATRIX} - set(routes()))
    assert not stale, f"rows for routes that no longer exist: {stale}"


def outcome(response: Any) -> str:
    """The status code; a redirect as `login`, `otp` or `>route-name` (where it sends you, so a
    refusal that redirects with a message is told apart from the success redirect)."""
    if response.status_code in (301, 302, 303):
        location = urlsplit(response["Location"]).path
        if location.startswith("/accounts/login/"):
            return "login"
        if location.startswith("/accounts/otp/"):
            return "otp"
        try:
            return ">" + resolve(location).view_name
        except Resolver404:
            return ">" + location
    return str(response.status_code)


@pytest.fixture
def open_now(monkeypatch: pytest.MonkeyPatch) -> None:
    # Talk-now answers depend on the clock (closed outside service hours); the matrix is about
    # who may ask, so the service is open whenever it runs.
    monkeypatch.setattr("signlanguage.booking.availability.is_open_at", lambda now: True)


def answer(world: World, role: str, name: str, method: str) -> str:
    url = reverse(name, kwargs=KWARGS[name](world) if name in KWARGS else None)
    client = world.client(role)
    cache.clear()
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif url.startswith("/api/"):
            response = client.post(url, "{}", content_type="application/json")
        else:
            response = client.post(url, {})
        transaction.set_rollback(True)
    return outcome(response)


DUMP = bool(os.environ.get("MATRIX_DUMP"))  # prints the actual table, to review new rows
CELLS = sorted(
    set(MATRIX) | ({(n, m) for n in routes() for m in ("GET", "POST")} if DUMP else set())
)


def test_matrix_size_is_reported(capsys):
    size = len(MATRIX) * len(ROLES)
    with capsys.disabled():
        print(
            f"\nauthorisation matrix: {len(routes())} routes, {len(MATRIX)} route×method rows × "
            f"{len(ROLES)} roles = {size} cells"
        )
    assert size >= len(routes()) * 2 * len(ROLES)


@pytest.mark.parametrize(("name", "method"), CELLS, ids=[f"{n} {m}" for n, m in CELLS])
def test_route_answers_every_role_as_declared(world, open_now, name, method):
    actual = {role: answer(world, role, name, method) for role in ROLES}
    if DUMP:
        print(f'    ("{name}", "{method}"): "{" ".join(actual[r] for r in ROLES)}",')
        return
    expected = dict(zip(ROLES, cells(MATRIX[(name, method)]), strict=True))
    wrong = {
        r: f"expected {expected[r]}, got {actual[r]}" for r in ROLES if expected[r] != actual[r]
    }
    assert not wrong, f"{method} {name}: {wrong}"


# --- websockets (docs/websocket.md) -----------------------------------------------------------

# Every route of access_support.ws.websocket_urlpatterns × role → close code, or `open` (accepted,
# first frame received). The live session is A's booked session (operator assigned).
WS_MATRIX: dict[str, str] = {
    "ws/queue/": "4401 4401 7*open",
    "ws/notices/": "4401 4401 7*open",
    "ws/sessions/<id>/": "4401 4401 open 4403 open 4403 4403 open 4403",
}
WS_PATHS: dict[str, Callable[[World], str]] = {
    "ws/queue/": lambda w: "/ws/queue/",
    "ws/notices/": lambda w: "/ws/notices/",
    "ws/sessions/<id>/": lambda w: f"/ws/sessions/{w.objects['booking'].pk}/",
}
ORIGIN = (b"origin", b"http://testserver")


def ws_route_key(pattern: Any) -> str:
    text = str(pattern.pattern)
    return "ws/sessions/<id>/" if "session_id" in text else text.lstrip("^").rstrip("$")


def test_every_websocket_route_has_a_row():
    from access_support.ws import websocket_urlpatterns

    keys = [ws_route_key(p) for p in websocket_urlpatterns]
    missing = [k for k in keys if k not in WS_MATRIX]
    assert not missing, f"websocket routes without a row in WS_MATRIX: {missing}"
    assert all(len(cells(row)) == len(ROLES) for row in WS_MATRIX.values())


def cookie_header(client: Any) -> tuple[bytes, bytes] | None:
    cookie = client.cookies.get("sessionid")
    return (b"cookie", f"sessionid={cookie.value}".encode()) if cookie else None


async def ws_outcome(path: str, cookie: tuple[bytes, bytes] | None) -> str:
    from channels.testing import WebsocketCommunicator

    from access_support.asgi import application

    headers = [ORIGIN, *([cookie] if cookie else [])]
    communicator = WebsocketCommunicator(application, path, headers=headers)
    try:
        connected, code = await communicator.connect(timeout=5)
        if not connected:
            return str(code)
        message = await communicator.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            return str(message["code"])
        return "open"
    finally:
        await communicator.disconnect()


@pytest.fixture
def ws_cookies(world: World) -> dict[str, tuple[bytes, bytes] | None]:
    return {role: cookie_header(world.client(role)) for role in ROLES}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", sorted(WS_MATRIX))
async def test_websocket_route_answers_every_role_as_declared(world, ws_cookies, route):
    path = WS_PATHS[route](world)
    expected = dict(zip(ROLES, cells(WS_MATRIX[route]), strict=True))
    actual = {role: await ws_outcome(path, ws_cookies[role]) for role in ROLES}
    wrong = {
        r: f"expected {expected[r]}, got {actual[r]}" for r in ROLES if expected[r] != actual[r]
    }
    assert not wrong, f"{route}: {wrong}"


@pytest.mark.django_db(transaction=True)
async def test_missing_and_closed_sessions_close_with_4404_and_4408(world, ws_cookies):
    member = ws_cookies["member"]
    assert await ws_outcome("/ws/sessions/999999/", member) == "4404"
    assert await ws_outcome(f"/ws/sessions/{world.objects['closed'].pk}/", member) == "4408"
    # A session that exists but is not yours answers like a participant refusal, never 4404
    # for one and 4403 for the other in a way that depends on someone else's data.
    assert await ws_outcome(
        f"/ws/sessions/{world.objects['closed'].pk}/", ws_cookies["member_b"]
    ) in {
        "4403",
        "4408",
    }


# Every client frame type of docs/websocket.md, valid in shape.
def client_frames() -> list[dict[str, Any]]:
    import uuid

    return [
        {"type": "chat.message", "client_id": str(uuid.uuid4()), "text": "こんにちは"},
        {"type": "chat.typing", "active": True},
        {"type": "chat.read", "seq": 1},
        {"type": "sync", "after_seq": 0},
        {"type": "rtc.signal", "payload": {"sdp": "v=0"}},
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["member_b", "proxy_nobook", "revoked_proxy", "supervisor"])
async def test_a_non_participant_can_send_no_frame_type(world, ws_cookies, role):
    """Refused with 4403 at once; every frame type sent after that is dropped: nothing stored,
    nothing relayed to the participants, nothing answered."""
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from access_support.asgi import application
    from signlanguage.models import ChatMessage, ReadMarker

    path = WS_PATHS["ws/sessions/<id>/"](world)
    customer = WebsocketCommunicator(application, path, headers=[ORIGIN, ws_cookies["member"]])
    intruder = WebsocketCommunicator(application, path, headers=[ORIGIN, ws_cookies[role]])
    try:
        assert (await customer.connect(timeout=5))[0]
        assert (await customer.receive_json_from(timeout=5))["type"] == "session.state"
        await intruder.connect(timeout=5)
        assert await intruder.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
        for frame in client_frames():
            await intruder.send_json_to(frame)
        assert await intruder.receive_nothing(timeout=0.3)
        assert await customer.receive_nothing(timeout=0.3)
        counts = await database_sync_to_async(
            lambda: (ChatMessage.objects.count(), ReadMarker.objects.count())
        )()
        assert counts == (0, 0)
    finally:
        await intruder.disconnect()
        await customer.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_server_frame_types_from_a_client_are_refused_with_an_error(world, ws_cookies):
    from channels.testing import WebsocketCommunicator

    from access_support.asgi import application

    path = WS_PATHS["ws/sessions/<id>/"](world)
    customer = WebsocketCommunicator(application, path, headers=[ORIGIN, ws_cookies["member"]])
    try:
        assert (await customer.connect(timeout=5))[0]
        await customer.receive_json_from(timeout=5)
        for kind in ("chat.ack", "session.state", "error", "authority.revoked", "user.signed_out"):
            await customer.send_json_to({"type": kind, "seq": 1, "state": "closed"})
            answer = await customer.receive_json_from(timeout=5)
            assert answer["type"] == "error" and answer["code"] == "unknown_type", (kind, answer)
    finally:
        await customer.disconnect()


# --- refusals that answer with a redirect (a message on the next page) change nothing ---------


@pytest.mark.parametrize(
    ("role", "name", "unchanged"),
    [
        ("operator", "signlanguage:cancel", lambda w: w.objects["booking"].state == "waiting"),
        ("supervisor", "signlanguage:cancel", lambda w: w.objects["booking"].state == "waiting"),
        ("revoked_proxy", "proxies:act-start", lambda w: True),
        ("revoked_proxy", "proxies:code-new", lambda w: True),
    ],
)
def test_a_refusal_that_redirects_changes_nothing(world, role, name, unchanged):
    from access_support.audit.models import AuditEvent
    from proxies.models import VerificationCode

    before = (
        VerificationCode.objects.count(),
        AuditEvent.objects.exclude(action="proxy.decision").count(),
    )
    client = world.client(role)
    client.post(reverse(name, kwargs=KWARGS[name](world)))
    for obj in world.objects.values():
        if hasattr(obj, "refresh_from_db"):
            obj.refresh_from_db()
    assert unchanged(world)
    after = (
        VerificationCode.objects.count(),
        AuditEvent.objects.exclude(action="proxy.decision").count(),
    )
    assert after == before
    if name == "proxies:act-start":
        assert "proxies.acting_for" not in client.session, "a revoked proxy started acting"
