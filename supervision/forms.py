"""Forms of the supervisor's console. Dates are three plain fields, 年 / 月 / 日, and accept
full-width digits."""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_support.accounts.models import name_reading_validator
from signlanguage.models import AbuseDecision
from supervision.models import VoiceTag

MAX_PERIOD_DAYS = 366


def _half_width(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def _number(size: int = 4) -> forms.TextInput:
    # autocomplete off: the browser's list of earlier entries would cover the next field and
    # take the keyboard focus from the page while someone tabs through the date.
    return forms.TextInput(attrs={"inputmode": "numeric", "size": size, "autocomplete": "off"})


def _date_from(form: forms.Form, data: dict[str, Any], prefix: str) -> datetime.date | None:
    parts = [_half_width(data.get(f"{prefix}{k}")) for k in ("year", "month", "day")]
    if not all(parts):
        return None
    try:
        return datetime.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        form.add_error(f"{prefix}year", _("This date does not exist. Write it like 2026 / 12 / 3."))
        return None


class PeriodForm(forms.Form):
    start_year = forms.CharField(label=_("Year"), max_length=6, widget=_number(6))
    start_month = forms.CharField(label=_("Month"), max_length=4, widget=_number())
    start_day = forms.CharField(label=_("Day"), max_length=4, widget=_number())
    end_year = forms.CharField(label=_("Year"), max_length=6, widget=_number(6))
    end_month = forms.CharField(label=_("Month"), max_length=4, widget=_number())
    end_day = forms.CharField(label=_("Day"), max_length=4, widget=_number())

    @staticmethod
    def default_initial(today: datetime.date | None = None) -> dict[str, int]:
        """The last 30 days, today included."""
        end = today or timezone.localdate()
        start = end - datetime.timedelta(days=29)
        return {
            "start_year": start.year,
            "start_month": start.month,
            "start_day": start.day,
            "end_year": end.year,
            "end_month": end.month,
            "end_day": end.day,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = _date_from(self, data, "start_")
        end = _date_from(self, data, "end_")
        if start and end:
            if end < start:
                self.add_error("end_year", _("The last day must be on or after the first day."))
            elif (end - start).days >= MAX_PERIOD_DAYS:
                self.add_error("end_year", _("Choose a period of at most 366 days."))
            else:
                data["start"], data["end"] = start, end
        return data


class ClosedDayForm(forms.Form):
    year = forms.CharField(label=_("Year"), max_length=6, widget=_number(6))
    month = forms.CharField(label=_("Month"), max_length=4, widget=_number())
    day = forms.CharField(label=_("Day"), max_length=4, widget=_number())
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Customers do not see this. For example: system maintenance."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day = _date_from(self, data, "")
        if day is not None:
            if day < timezone.localdate():
                self.add_error("year", _("Choose today or a later day."))
            else:
                data["date"] = day
        return data


def _note_field(label: Any, help_text: Any = "") -> forms.CharField:
    """A supervisor's free-text note, up to 2,000 characters, not required."""
    textarea = forms.Textarea(attrs={"rows": 4})
    return forms.CharField(
        label=label, max_length=2000, required=False, widget=textarea, help_text=help_text
    )


class VoiceTagForm(forms.Form):
    tag = forms.ChoiceField(
        label=_("What kind of voice is this?"), choices=VoiceTag.choices, widget=forms.RadioSelect
    )
    topic = forms.CharField(
        label=_("Topic"),
        max_length=100,
        help_text=_("A few words, the same each time, for example: 予約, ビデオ, 待ち時間."),
    )


class VoiceAdvanceForm(forms.Form):
    note = _note_field(
        _("Improvement"),
        _("What will change, or what changed. Needed from “improvement planned” on."),
    )


class AbuseDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=AbuseDecision.choices, widget=forms.RadioSelect
    )
    note = _note_field(_("Note"))
    restrict = forms.BooleanField(
        label=_("Stop this customer from using talk now"),
        required=False,
        help_text=_("They can still book a time. Only when the customer was abusive."),
    )
    restrict_days = forms.CharField(
        label=_("For how many days?"),
        required=False,
        max_length=5,
        widget=_number(),
        help_text=_("Leave empty to restrict until a supervisor lifts it."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = _half_width(data.get("restrict_days"))
        data["restrict_days"] = None
        if raw:
            # isdigit() alone lets through digits int() refuses (e.g. Kharosthi "𐩀").
            if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 3650:
                self.add_error("restrict_days", _("Write a number of days from 1 to 3650."))
            else:
                data["restrict_days"] = int(raw)
        if data.get("restrict") and data.get("decision") != AbuseDecision.UPHELD:
            self.add_error(
                "restrict", _("A restriction is only possible when the customer was abusive.")
            )
        return data


SKILL_CHOICES = [
    ("sign_language", _("Sign language (video)")),
    ("written_chat", _("Written chat (筆談)")),
    ("procedures", _("Requests in the back office (procedures)")),
]


def _skills_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Skills"),
        choices=SKILL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "What this operator can take: sessions by sign language or written chat, and "
            "members' requests in the back office. Choose at least one."
        ),
        error_messages={"required": _("Choose at least one skill.")},
    )


class OperatorForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("As customers will see it, for example: 鈴木 さくら."),
        error_messages={"required": _("Enter the operator's name.")},
    )
    name_reading = forms.CharField(
        label=_("Reading of the name (optional)"),
        max_length=100,
        required=False,
        help_text=_(
            "In hiragana or katakana, as the name is read. Shown over the name to customers who "
            "turn furigana on."
        ),
        validators=[name_reading_validator],
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=150,
        help_text=_("The operator's own work address. The link to choose a password goes here."),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": _("Enter the operator's e-mail address."),
            "invalid": _("Write the e-mail address like name@example.jp."),
        },
    )
    skills = _skills_field()

    def clean_email(self) -> str:
        return _half_width(self.cleaned_data.get("email")).lower()


class OperatorSkillsForm(forms.Form):
    skills = _skills_field()
