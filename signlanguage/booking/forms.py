"""Forms for booking, talk-now and shifts. Dates are three plain fields: 年 / 月 / 日."""

from __future__ import annotations

import calendar
import datetime
import unicodedata
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from access_support.accounts.models import User
from access_support.accounts.reading import wording
from signlanguage.booking.availability import JST
from signlanguage.models import Mode

# How to talk, in the reader's wording (plain Japanese when chosen).
MODE_CHOICES = [
    (
        Mode.SIGN_LANGUAGE.value,
        wording(Mode.SIGN_LANGUAGE.label, pgettext_lazy("plain", "Sign-language video")),
    ),
    (
        Mode.WRITTEN_CHAT.value,
        wording(Mode.WRITTEN_CHAT.label, pgettext_lazy("plain", "Written chat")),
    ),
]


def _half_width(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip()


DATE_PARTS = ("year", "month", "day")


def _number(attrs_size: int = 4) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "numeric", "size": attrs_size})


class DateFieldsMixin(forms.Form):
    """Year, month and day. Each message sits at the part that is wrong and says how to fix it;
    a message about the whole date (a day that has passed) sits at the year, and the month and
    day point to it too (aria-describedby), all three marked invalid."""

    year = forms.CharField(
        label=_("Year"),
        max_length=6,
        widget=_number(6),
        error_messages={"required": _("Enter the year as a number, like 2026.")},
    )
    month = forms.CharField(
        label=_("Month"),
        max_length=4,
        widget=_number(),
        error_messages={"required": _("Enter the month as a number from 1 to 12.")},
    )
    day = forms.CharField(
        label=_("Day"),
        max_length=4,
        widget=_number(),
        error_messages={"required": _("Enter the day as a number, like 3.")},
    )
    # A day before today is refused (booking), or allowed (shifts kept for the record).
    past_allowed = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        numbers: dict[str, int] = {}
        for key in DATE_PARTS:
            text = _half_width(data.get(key))
            if not text:
                return data  # the part's own "required" message is at its field
            if not text.isdecimal():
                self.add_error(key, self.fields[key].error_messages["required"])
            else:
                numbers[key] = int(text)
        if len(numbers) < len(DATE_PARTS):
            return data
        year, month, day = numbers["year"], numbers["month"], numbers["day"]
        # Week arithmetic on the pages overflows at the ends of the calendar (year 1, 9999).
        if not 1900 <= year <= 2999:
            self.add_error("year", _("Write the year with four digits, like 2026."))
        elif not 1 <= month <= 12:
            self.add_error(
                "month",
                _("There is no month %(month)s. Enter a number from 1 to 12.") % {"month": month},
            )
        elif not 1 <= day <= calendar.monthrange(year, month)[1]:
            self.add_error(
                "day",
                _("There is no day %(day)s in month %(month)s. Check the day.")
                % {"month": month, "day": day},
            )
        elif not self.past_allowed and datetime.date(year, month, day) < timezone.localdate():
            self._whole_date_error(
                _("That day has passed. Enter today or a later day."),
            )
        else:
            data["date"] = datetime.date(year, month, day)
        return data

    def _whole_date_error(self, message: Any) -> None:
        self.add_error("year", message)
        described = {"aria-invalid": "true", "aria-describedby": f"{self['year'].auto_id}_error"}
        for key in ("month", "day"):
            self.fields[key].widget.attrs.update(described)


class ModeDateForm(DateFieldsMixin):
    mode = forms.ChoiceField(
        label=_("How do you want to talk?"), choices=MODE_CHOICES, widget=forms.RadioSelect
    )
    field_order = ["mode", "year", "month", "day"]
    past_allowed = False


class BookingForm(forms.Form):
    topic = forms.CharField(
        label=_("What do you want to ask about?"),
        max_length=200,
        help_text=_("For example: my statement, lost card, points."),
    )
    note = forms.CharField(
        label=_("Anything the operator should know (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class TalkNowForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How do you want to talk?"), choices=MODE_CHOICES, widget=forms.RadioSelect
    )
    topic = forms.CharField(label=_("What do you want to ask about?"), max_length=200)


class ShiftForm(DateFieldsMixin):
    operator = forms.ModelChoiceField(label=_("Operator"), queryset=User.objects.none())
    start_hour = forms.CharField(label=_("Start (hour)"), max_length=4, widget=_number())
    start_minute = forms.CharField(label=_("Start (minute)"), max_length=4, widget=_number())
    end_hour = forms.CharField(label=_("End (hour)"), max_length=4, widget=_number())
    end_minute = forms.CharField(label=_("End (minute)"), max_length=4, widget=_number())
    field_order = [
        "operator",
        "year",
        "month",
        "day",
        "start_hour",
        "start_minute",
        "end_hour",
        "end_minute",
    ]

    def __init__(self, *args: Any, operators: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if operators is not None:
            self.fields["operator"].queryset = operators  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day = data.get("date")
        if day is None:
            return data
        try:
            start = datetime.time(
                int(_half_width(data.get("start_hour"))), int(_half_width(data.get("start_minute")))
            )
            end = datetime.time(
                int(_half_width(data.get("end_hour"))), int(_half_width(data.get("end_minute")))
            )
        except (TypeError, ValueError):
            self.add_error("start_hour", _("Write the times as numbers, like 9 : 00 and 18 : 00."))
            return data
        data["start"] = datetime.datetime.combine(day, start, tzinfo=JST)
        data["end"] = datetime.datetime.combine(day, end, tzinfo=JST)
        if data["end"] <= data["start"]:
            self.add_error("end_hour", _("The end must be after the start."))
        return data
