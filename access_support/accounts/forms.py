"""Sign-in forms. Errors are written in plain words and never say which part was wrong."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from access_support.accounts import reading
from access_support.accounts.models import LANGUAGE_CHOICES, name_reading_validator


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        error_messages={"required": _("Enter your user name.")},
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )


class TokenForm(forms.Form):
    device = forms.CharField(widget=forms.HiddenInput, required=False)
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter the code.")},
    )


class SetPasswordForm(forms.Form):
    """A first password, chosen by the account's owner from the e-mailed link."""

    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 8 characters, not like your name and not easy to guess."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Enter a password.")},
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Enter the password again.")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same. Type it again."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class ForgotPasswordForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("The address you gave us for this service."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter the e-mail address in the form name@example.jp."),
        },
    )


class LanguageForm(forms.Form):
    """The language of pages and e-mails. Each choice is named in its own language and marked
    so (a reader finds the name they know; a screen reader says it in that language)."""

    language = forms.ChoiceField(
        label=_("Language to use"),
        choices=[
            (code, format_html('<span lang="{}">{}</span>', code, name))
            for code, name in LANGUAGE_CHOICES
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a language.")},
    )


class NameReadingForm(forms.Form):
    """How the person's own name is read (the フリガナ a bank keeps): put over the name wherever
    it is shown with furigana on. Kana only; empty for none."""

    name_reading = forms.CharField(
        label=reading.wording(
            _("How your name is read, in kana"),
            pgettext_lazy("plain", "How your name is read, in kana"),
        ),
        help_text=reading.wording(
            _(
                "Hiragana or katakana, a space between the names. Shown above your name with "
                "furigana on."
            ),
            pgettext_lazy(
                "plain",
                "Hiragana or katakana, a space between the names. Shown above your name with "
                "furigana on.",
            ),
        ),
        required=False,
        max_length=100,
        validators=[name_reading_validator],
    )


class RecoveryRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("What happened?"),
        max_length=2000,
        help_text=_(
            "For example: my phone with the authenticator app was lost, and the codes do not "
            "arrive. Do not write your card number."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write what happened.")},
    )
    contact = forms.CharField(
        label=_("How can we reach you? (optional)"),
        max_length=200,
        required=False,
        help_text=_("For example another e-mail address. We use it only for this request."),
    )
