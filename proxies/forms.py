"""Forms for the Senior Support pages. Errors say how to fix the field, in plain words."""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from access_support.accounts.models import name_reading_validator
from access_support.accounts.name_reading import clean_name_reading
from access_support.accounts.reading import has_kanji, wording
from proxies.models import PLAIN_KINDS, PROCEDURE_SCOPES, ProcedureKind
from proxies.scopes import ACTIONS, RELATIONSHIPS, SCOPES, relationship_label, scope_label

DOCUMENTS = [
    ("運転免許証", _("Driving licence")),
    ("マイナンバーカード", _("My Number card")),
    ("パスポート", _("Passport")),
    ("健康保険証", _("Health insurance card")),
    ("戸籍謄本", _("Family register (koseki)")),
    ("住民票", _("Certificate of residence")),
]


def _half_width(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


class EndDateMixin(forms.Form):
    """An optional end date as three plain fields: year / month / day."""

    ends_year = forms.CharField(
        label=_("Year"),
        required=False,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
    )
    ends_month = forms.CharField(
        label=_("Month"),
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}),
    )
    ends_day = forms.CharField(
        label=_("Day"),
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = [_half_width(data.get(k, "")) for k in ("ends_year", "ends_month", "ends_day")]
        data["ends_on"] = None
        if not any(parts):
            return data
        try:
            data["ends_on"] = datetime.date(*(int(p) for p in parts))
        except ValueError:
            self.add_error(
                "ends_year",
                _(
                    "Enter the end date as year, month and day, "
                    "for example 2027 3 31, or leave all three empty."
                ),
            )
        return data


class ProxyPersonForm(forms.Form):
    """Registration, question 1: who will help (name and e-mail, one small group)."""

    proxy_name = forms.CharField(
        label=wording(_("Proxy's name"), pgettext_lazy("plain", "Proxy's name")),
        max_length=100,
        error_messages={
            "required": wording(
                _("Enter the name of the person who will help you."),
                pgettext_lazy("plain", "Enter the name of the person who will help you."),
            )
        },
    )
    # The フリガナ a bank asks with a name: furigana over it until the person's own account
    # gives a reading. Needed when the name holds a kanji.
    proxy_name_reading = forms.CharField(
        label=wording(
            _("How the proxy's name is read, in kana"),
            pgettext_lazy("plain", "How the proxy's name is read, in kana"),
        ),
        help_text=wording(
            _("Hiragana or katakana, a space between the names. For example: やまだ たろう"),
            pgettext_lazy(
                "plain",
                "Hiragana or katakana, a space between the names. For example: やまだ たろう",
            ),
        ),
        required=False,
        max_length=100,
        validators=[name_reading_validator],
        error_messages={
            "max_length": wording(
                _("Write the reading in 100 characters or fewer."),
                pgettext_lazy("plain", "Write the reading in 100 characters or fewer."),
            )
        },
    )
    proxy_email = forms.EmailField(
        label=wording(
            _("Proxy's e-mail address"), pgettext_lazy("plain", "Proxy's e-mail address")
        ),
        help_text=wording(
            _("We send the invitation to this address."),
            pgettext_lazy("plain", "We send the invitation to this address."),
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": wording(
                _("Enter the e-mail address of the person who will help you."),
                pgettext_lazy("plain", "Enter the e-mail address of the person who will help you."),
            ),
            "invalid": wording(
                _("Enter an e-mail address like name@example.jp."),
                pgettext_lazy("plain", "Enter an e-mail address like name@example.jp."),
            ),
        },
    )

    def clean_proxy_name_reading(self) -> str:
        return clean_name_reading(self.cleaned_data.get("proxy_name_reading") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = data.get("proxy_name") or ""
        if (
            has_kanji(name)
            and not data.get("proxy_name_reading")
            and not self.has_error("proxy_name_reading")
        ):
            self.add_error(
                "proxy_name_reading",
                wording(
                    _(
                        "The name has kanji: write how it is read, in hiragana or katakana "
                        "(for example やまだ たろう)."
                    ),
                    pgettext_lazy(
                        "plain",
                        "The name has kanji: write how it is read, in hiragana or katakana "
                        "(for example やまだ たろう).",
                    ),
                ),
            )
        return data


class RelationshipForm(forms.Form):
    # Labels and choices keep the reader's wording on every render, errors included.
    relationship = forms.ChoiceField(
        label=wording(_("Relationship to you"), pgettext_lazy("plain", "Relationship to you")),
        choices=[(value, relationship_label(value)) for value in RELATIONSHIPS],
        widget=forms.RadioSelect,
        error_messages={
            "required": wording(
                _("Choose how the person is related to you."),
                pgettext_lazy("plain", "Choose how the person is related to you."),
            )
        },
    )


class ScopesForm(forms.Form):
    scopes = forms.MultipleChoiceField(
        label=wording(
            _("What the proxy may do for you"),
            pgettext_lazy("plain", "What the proxy may do for you"),
        ),
        choices=[(scope, scope_label(scope)) for scope in SCOPES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": wording(
                _("Choose at least one thing the proxy may do."),
                pgettext_lazy("plain", "Choose at least one thing the proxy may do."),
            )
        },
    )


class EndDateForm(EndDateMixin):
    pass


class MemberNumberForm(forms.Form):
    member_number = forms.CharField(
        label=wording(_("Member number"), pgettext_lazy("plain", "Member number")),
        max_length=20,
        help_text=_("10 digits. Spaces and hyphens are fine."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Enter the member number.")},
    )


class RegisterForm(ProxyPersonForm, RelationshipForm, ScopesForm, EndDateMixin):
    """Every answer at once: the check-your-answers step validates the stored answers with it,
    and a post of the whole form to the register page still works."""

    field_order = ["proxy_name", "proxy_name_reading", "proxy_email", "relationship", "scopes"]


class OperatorRegisterForm(MemberNumberForm, RegisterForm):
    field_order = [
        "member_number",
        "proxy_name",
        "proxy_name_reading",
        "proxy_email",
        "relationship",
        "scopes",
    ]


# The plain-Japanese wording of the registration questions (shown when the user chose it).
PLAIN_LABELS = {
    "proxy_name": pgettext_lazy("plain", "Proxy's name"),
    "proxy_name_reading": pgettext_lazy("plain", "How the proxy's name is read, in kana"),
    "proxy_email": pgettext_lazy("plain", "Proxy's e-mail address"),
    "relationship": pgettext_lazy("plain", "Relationship to you"),
    "scopes": pgettext_lazy("plain", "What the proxy may do for you"),
    "member_number": pgettext_lazy("plain", "Member number"),
}
PLAIN_HELP = {
    "proxy_email": pgettext_lazy("plain", "We send the invitation to this address."),
    "proxy_name_reading": pgettext_lazy(
        "plain",
        "Hiragana or katakana, a space between the names. For example: やまだ たろう",
    ),
}


def use_plain_wording(form: forms.Form) -> None:
    for name, field in form.fields.items():
        field.label = PLAIN_LABELS.get(name, field.label)
        field.help_text = PLAIN_HELP.get(name, field.help_text)


class ApproveForm(forms.Form):
    documents = forms.MultipleChoiceField(
        label=_("Documents checked"),
        choices=DOCUMENTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_document = forms.CharField(
        label=_("Other document (if any)"), required=False, max_length=200
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        documents = list(data.get("documents") or [])
        if data.get("other_document"):
            documents.append(data["other_document"].strip())
        if not documents:
            self.add_error("documents", _("Choose the documents you checked."))
        data["documents_checked"] = documents
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Enter the reason. The member will see it.")},
    )


class DeskForm(forms.Form):
    member_number = forms.CharField(
        label=_("Member number"),
        max_length=20,
        help_text=_("10 digits. Spaces and hyphens are fine."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Enter the member number.")},
    )
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        help_text=_("8 characters shown on the proxy's screen."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
        error_messages={"required": _("Enter the code the proxy shows you.")},
    )
    action = forms.ChoiceField(
        label=_("What the proxy asks to do"),
        choices=list(ACTIONS.items()),
        error_messages={"required": _("Choose what the proxy asks to do.")},
    )


class ProcedureForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Request"),
        # Only the kinds anyone may file (a dispute is opened from a notice, not filed).
        choices=[
            (value, label) for value, label in ProcedureKind.choices if value in PROCEDURE_SCOPES
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the request.")},
    )
    details = forms.CharField(
        label=_("Details"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For example the new address, or when and where the card was lost."),
        error_messages={"required": _("Write the details of the request.")},
    )

    def __init__(self, *args: Any, kinds: list[str] | None = None, **kwargs: Any) -> None:
        """`kinds`: the requests this person may file (a proxy: those the grant allows); the
        form offers only those, so a refusal never follows a choice the page offered."""
        super().__init__(*args, **kwargs)
        if kinds is not None:
            field = self.fields["kind"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [
                (value, label) for value, label in ProcedureKind.choices if value in kinds
            ]
        # Each request in the reader's wording (plain Japanese when chosen).
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        offered = {value for value, _label in field.choices}  # type: ignore[misc,union-attr]
        field.choices = [
            (value, wording(label, PLAIN_KINDS.get(ProcedureKind(value), label)))
            for value, label in ProcedureKind.choices
            if value in offered
        ]


class AccountForm(forms.Form):
    """A new proxy's account, made from the invitation page."""

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        error_messages={"required": _("Choose a user name.")},
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        min_length=8,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters."),
        error_messages={
            "required": _("Choose a password."),
            "min_length": _("Use at least 8 characters."),
        },
    )

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError as exc:
            raise ValidationError(_("Use letters, digits and @ . + - _ only.")) from exc
        return username

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        validate_password(password)
        return password


# --- requests: the customer's answer and the back office ---------------------------------------


class ProcedureAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Answer our staff's question. Do not write a card number."),
        error_messages={"required": _("Write your answer.")},
    )


class ProcedureOutcomeForm(forms.Form):
    """What the staff member does next with a request they hold."""

    outcome = forms.ChoiceField(
        label=_("What happens next"),
        choices=[
            ("ask", _("Ask the customer a question")),
            ("done", _("The request is done")),
            ("decline", _("Decline the request")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what happens next.")},
    )
    text = forms.CharField(
        label=_("Message to the customer"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Needed for a question and for declining (the reason). The customer reads it "
            "on the request's page and in the e-mail notice."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") in ("ask", "decline") and not (data.get("text") or "").strip():
            message = (
                _("Write the question.")
                if data.get("outcome") == "ask"
                else _("Write why the request is declined.")
            )
            self.add_error("text", message)
        return data


class ProcedureQueueForm(forms.Form):
    """The back office's filters (all optional)."""

    kind = forms.ChoiceField(
        label=_("Request"),
        required=False,
        choices=[("", _("Every kind")), *ProcedureKind.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Still open (received, in progress, waiting)")),
            ("received", _("Received (nobody has it yet)")),
            ("in_progress", _("In progress")),
            ("needs_info", _("Waiting for the customer's answer")),
            ("done", _("Done")),
            ("declined", _("Declined")),
            ("all", _("Every status")),
        ],
    )
    age = forms.ChoiceField(
        label=_("Filed"),
        required=False,
        choices=[
            ("", _("At any time")),
            ("1d", _("More than 1 day ago")),
            ("3d", _("More than 3 days ago")),
            ("7d", _("More than 7 days ago")),
        ],
    )
    filed_by = forms.ChoiceField(
        label=_("Filed by"),
        required=False,
        choices=[
            ("", _("Anyone")),
            ("member", _("The member themself")),
            ("proxy", _("A proxy")),
            ("staff", _("Our staff")),
        ],
    )
    member_number = forms.CharField(
        label=_("For the member (member number)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("10 digits. Leave empty for every member."),
    )

    def clean_member_number(self) -> str:
        return _half_width(self.cleaned_data.get("member_number", "")).replace("-", "")


class StaffProcedureForm(MemberNumberForm, ProcedureForm):
    """A request staff file for the member who asked them."""

    field_order = ["member_number", "kind", "details"]
