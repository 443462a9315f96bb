"""Forms of the live-session pages: closing with a summary, ending for abuse, feedback,
canned phrases."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

RATING_CHOICES = [
    (5, _("5 — very good")),
    (4, _("4 — good")),
    (3, _("3 — neither good nor bad")),
    (2, _("2 — poor")),
    (1, _("1 — very poor")),
]


class CloseForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary of the session"),
        help_text=_("What was asked and what was done. The customer sees this summary."),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AbuseForm(forms.Form):
    note = forms.CharField(
        label=_("What happened"),
        help_text=_("A supervisor reads this. Write what the customer said or did."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How was the session?"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the five answers.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CannedPhraseForm(forms.Form):
    text = forms.CharField(label=_("Phrase"), max_length=300)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=9999, initial=0)
