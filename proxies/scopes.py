"""The scope catalogue and the never-delegable actions (proxies/README.md), as data in one place."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from access_support.accounts.reading import wording

# Scopes a member may grant to a proxy, in the order pages show them.
SCOPES: dict[str, Promise] = {
    "inquiry.statement": _("Ask about statements and payments"),
    "inquiry.points": _("Ask about points"),
    "procedure.address_change": _("Change registered address or contact details"),
    "procedure.lost_card": _("Report a lost or stolen card"),
    "procedure.payment_method": _("Change the payment method"),
    "session.book": _("Book or join sign-language and written-chat sessions"),
}

# Actions no grant can ever allow, whatever its scopes say.
NEVER_DELEGABLE: dict[str, Promise] = {
    "limit.increase": _("Raise the credit limit"),
    "cash_advance": _("Cash advance"),
    "card.close": _("Close the card"),
    "account.credentials": _("Change the member's e-mail, password or second factor"),
    "proxies.manage": _("Manage the member's proxies"),
}

ACTIONS: dict[str, Promise] = {**SCOPES, **NEVER_DELEGABLE}

# The relationships a proxy may have to the member. The stored value is the Japanese word the
# specification uses; English aliases are accepted on input (API clients).
RELATIONSHIPS: dict[str, Promise] = {
    "配偶者": _("Spouse"),
    "子": _("Child"),
    "子の配偶者": _("Child's spouse"),
    "孫": _("Grandchild"),
    "兄弟姉妹": _("Brother or sister"),
    "親": _("Parent"),
    "その他親族": _("Other relative"),
}
RELATIONSHIP_ALIASES: dict[str, str] = {
    "spouse": "配偶者",
    "child": "子",
    "child_spouse": "子の配偶者",
    "grandchild": "孫",
    "sibling": "兄弟姉妹",
    "parent": "親",
    "other_relative": "その他親族",
}


# The plain-Japanese wording of the choices members read (registration, check your answers).
PLAIN_SCOPES: dict[str, Promise] = {
    "inquiry.statement": pgettext_lazy("plain", "Ask about statements and payments"),
    "inquiry.points": pgettext_lazy("plain", "Ask about points"),
    "procedure.address_change": pgettext_lazy(
        "plain", "Change registered address or contact details"
    ),
    "procedure.lost_card": pgettext_lazy("plain", "Report a lost or stolen card"),
    "procedure.payment_method": pgettext_lazy("plain", "Change the payment method"),
    "session.book": pgettext_lazy("plain", "Book or join sign-language and written-chat sessions"),
}
PLAIN_RELATIONSHIPS: dict[str, Promise] = {
    "配偶者": pgettext_lazy("plain", "Spouse"),
    "子": pgettext_lazy("plain", "Child"),
    "子の配偶者": pgettext_lazy("plain", "Child's spouse"),
    "孫": pgettext_lazy("plain", "Grandchild"),
    "兄弟姉妹": pgettext_lazy("plain", "Brother or sister"),
    "親": pgettext_lazy("plain", "Parent"),
    "その他親族": pgettext_lazy("plain", "Other relative"),
}


def scope_label(scope: str) -> Any:
    """The scope's label in the reader's wording (plain Japanese when chosen)."""
    return wording(SCOPES[scope], PLAIN_SCOPES.get(scope, SCOPES[scope]))


def relationship_label(value: str) -> Any:
    standard = RELATIONSHIPS.get(value, value)
    return wording(standard, PLAIN_RELATIONSHIPS.get(value, standard))


def normalise_relationship(value: str) -> str | None:
    value = value.strip()
    if value in RELATIONSHIPS:
        return value
    return RELATIONSHIP_ALIASES.get(value.lower())


def is_known_action(action: str) -> bool:
    return action in ACTIONS


def is_scope(action: str) -> bool:
    return action in SCOPES


def is_delegable(action: str) -> bool:
    return action not in NEVER_DELEGABLE


def ordered_scopes(scopes: list[str] | set[str] | tuple[str, ...]) -> list[str]:
    """Scopes in catalogue order, unknown ones dropped."""
    chosen = set(scopes)
    return [scope for scope in SCOPES if scope in chosen]
