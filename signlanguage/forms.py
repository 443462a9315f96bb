"""Forms for booking, talk-now and shifts. Dates are three plain fields: 年 / 月 / 日."""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from access_support.accounts.models import User
from signlanguage.availability import JST
from signlanguage.models import Mode


def _half_width(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def _number(attrs_size: int = 4) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "numeric", "size": attrs_size})


class DateFieldsMixin(forms.Form):
    year = forms.CharField(label=_("Year"), max_length=6, widget=_number(6))
    month = forms.CharField(label=_("Month"), max_length=4, widget=_number())
    day = forms.CharField(label=_("Day"), max_length=4, widget=_number())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = [_half_width(data.get(k)) for k in ("year", "month", "day")]
        if not all(parts):
            return data
        try:
            data["date"] = datetime.date(int(parts[0]), int(parts[1]), int(parts[2]))
            # Week arithmetic on the pages overflows at the ends of the calendar (year 1, 9999).
            if not 1900 <= data["date"].year <= 2999:
                raise ValueError(data["date"])
        except ValueError:
            data.pop("date", None)
            self.add_error("year", _("This date does not exist. Write it like 2026 / 12 / 3."))
        return data


class ModeDateForm(DateFieldsMixin):
    mode = forms.ChoiceField(
        label=_("How do you want to talk?"), choices=Mode.choices, widget=forms.RadioSelect
    )
    field_order = ["mode", "year", "month", "day"]


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
        label=_("How do you want to talk?"), choices=Mode.choices, widget=forms.RadioSelect
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
