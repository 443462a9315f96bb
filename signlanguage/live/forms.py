"""Forms of the live-session pages: closing with a summary, ending for abuse, feedback,
canned phrases."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from access_support.accounts.reading import wording

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


class TranscriptChoiceForm(forms.Form):
    """The customer's choice at the end (issue 22 item 7, signlanguage.live.keeping)."""

    keep = forms.ChoiceField(
        label=wording(
            _("Shall we keep the written conversation?"),
            pgettext_lazy("plain", "Shall we keep the written conversation?"),
        ),
        help_text=wording(
            _(
                "The video is never recorded. Either way we keep the date and times, who took "
                "part, the type of session and how it ended."
            ),
            pgettext_lazy(
                "plain",
                "The video is never recorded. Either way we keep the date and times, who took "
                "part, the type of session and how it ended.",
            ),
        ),
        choices=[
            (
                "keep",
                wording(
                    _("Keep it: you and we can read it again later"),
                    pgettext_lazy("plain", "Keep it: you and we can read it again later"),
                ),
            ),
            (
                "delete",
                wording(
                    _(
                        "Do not keep it: it is deleted once you have downloaded it, "
                        "or 24 hours after the end"
                    ),
                    pgettext_lazy(
                        "plain",
                        "Do not keep it: it is deleted once you have downloaded it, "
                        "or 24 hours after the end",
                    ),
                ),
            ),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": wording(
                _("Choose whether we keep the conversation."),
                pgettext_lazy("plain", "Choose whether we keep the conversation."),
            ),
            "invalid_choice": wording(
                _("Choose whether we keep the conversation."),
                pgettext_lazy("plain", "Choose whether we keep the conversation."),
            ),
        },
    )
