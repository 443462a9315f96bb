"""Template building blocks shared by every page: the one error summary
(`{% error_summary %}`, templates/components/error_summary.html) and the choice between the
standard and the plain-Japanese wording (`{% plain %}…{% or %}…{% endplain %}`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django import forms
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation

from access_support.accounts.reading import Reading

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(
    path
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    if ".venv" not in path.parts and "node_modules" not in path.parts
)


def render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


# --- {% plain %} ------------------------------------------------------------------------------

PLAIN = (
    '{% load i18n reading %}{% plain %}{% translate "Talk now" %}'
    '{% or %}{% translate "Talk now" context "plain" %}{% endplain %}'
)


@pytest.mark.parametrize(
    ("language", "chosen", "expected_context"),
    [
        ("ja", Reading(plain=True), "plain"),
        ("ja", Reading(plain=False), None),
        ("ja", None, None),
        ("en", Reading(plain=True), None),  # English has one wording
    ],
)
def test_plain_renders_the_wording_for_the_reader(
    language: str, chosen: Reading | None, expected_context: str | None
) -> None:
    with translation.override(language):
        expected = (
            translation.pgettext("plain", "Talk now")
            if expected_context
            else translation.gettext("Talk now")
        )
        assert render(PLAIN, reading=chosen) == expected


def test_the_two_japanese_wordings_differ() -> None:
    """Otherwise the test above could not tell the branches apart."""
    with translation.override("ja"):
        assert render(PLAIN, reading=Reading(plain=True)) != render(PLAIN, reading=Reading())


def test_plain_holds_markup_and_as_stores_the_wording() -> None:
    source = (
        "{% load reading %}{% plain as word %}<b>a & b</b>{% or %}<ruby>x</ruby>{% endplain %}"
        "[{{ word }}]"
    )
    with translation.override("ja"):
        assert render(source, reading=Reading(plain=True)) == "[<ruby>x</ruby>]"
        assert render(source, reading=Reading()) == "[<b>a & b</b>]"


def test_plain_escapes_what_the_page_shows() -> None:
    source = "{% load reading %}{% plain %}{{ text }}{% or %}{{ text }}!{% endplain %}"
    with translation.override("ja"):
        assert render(source, reading=Reading(plain=True), text="<i>") == "&lt;i&gt;!"


@pytest.mark.parametrize(
    "source",
    [
        "{% load reading %}{% plain %}only one wording{% endplain %}",
        "{% load reading %}{% plain word %}a{% or %}b{% endplain %}",
    ],
)
def test_plain_needs_both_wordings(source: str) -> None:
    with pytest.raises(TemplateSyntaxError):
        Template(source)


OLD_PATTERN = re.compile(r"\{%-?\s*(?:el)?if\b[^%]*\breading\.plain\b")


def test_no_template_chooses_the_wording_by_hand() -> None:
    """`{% if reading.plain %}…{% else %}…{% endif %}` became `{% plain %}`. The reading switch
    is the one exception: it shows the state of the setting, not a wording."""
    switch = ROOT / "templates" / "components" / "reading_switch.html"
    assert TEMPLATES and switch in TEMPLATES
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in TEMPLATES
        if path != switch
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OLD_PATTERN.search(line)
    ]
    assert not found, "use {% plain %}…{% or %}…{% endplain %}:\n" + "\n".join(found)


# --- the error summary --------------------------------------------------------------------------


class Choice(forms.Form):
    topic = forms.CharField(label="Topic")
    colour = forms.ChoiceField(
        label="Colour", choices=[("r", "Red"), ("g", "Green")], widget=forms.RadioSelect
    )
    extras = forms.MultipleChoiceField(
        label="Extras", choices=[("a", "A")], widget=forms.CheckboxSelectMultiple
    )

    def clean(self) -> dict[str, object]:
        raise forms.ValidationError("The whole form is wrong.")


class Other(forms.Form):
    reason = forms.CharField(label="Reason", error_messages={"required": "Give a reason."})


SUMMARY = "{% load error_summary %}{% error_summary first second error=error error_for=error_for %}"


def summary(**context: object) -> str:
    context = {"first": None, "second": None, "error": "", "error_for": ""} | context
    return render(SUMMARY, **context)


def test_nothing_is_shown_without_errors() -> None:
    assert "error-summary" not in summary(first=Choice(), second=Other())
    assert "error-summary" not in summary()


def test_every_form_and_the_views_message_share_one_summary() -> None:
    with translation.override("en"):
        html = summary(first=Choice({}), second=Other({}), error="Try again.", error_for="id_topic")
    assert html.count('class="error-summary"') == 1
    assert html.count('role="alert"') == 1 and html.count("autofocus") == 1
    lines = re.findall(r"<li>(.*?)</li>", html)
    empty = "This is empty. Please write your answer here, or choose one."  # the site's own
    assert lines == [
        f'<a href="#id_topic">Topic: {empty}</a>',
        # A radio or checkbox group has no single control: the link goes to the group.
        f'<a href="#id_colour">Colour: {empty}</a>',
        f'<a href="#id_extras">Extras: {empty}</a>',
        '<a href="#id_reason">Reason: Give a reason.</a>',
        "The whole form is wrong.",
        '<a href="#id_topic">Try again.</a>',
    ]


def test_label_and_message_are_joined_in_the_page_language() -> None:
    with translation.override("ja"):
        html = summary(second=Other({}))
    assert '<a href="#id_reason">Reason：Give a reason.</a>' in html
    assert "次の点を確かめてください" in html


def test_the_summary_escapes_labels_and_messages() -> None:
    with translation.override("en"):
        html = summary(error="<script>", error_for='"><b')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '"><b' not in html


def test_the_radio_group_of_a_field_template_carries_the_linked_id() -> None:
    form = Choice({})
    html = render('{% include "components/field.html" with field=form.colour %}', form=form)
    assert 'id="id_colour"' in html
    plain_field = render('{% include "components/field.html" with field=form.topic %}', form=form)
    assert plain_field.count('id="id_topic"') == 1


def test_one_error_summary_component() -> None:
    """Every page uses the component: no template draws an error summary of its own."""
    component = ROOT / "templates" / "components" / "error_summary.html"
    own = [
        str(path.relative_to(ROOT))
        for path in TEMPLATES
        if path != component and "error-summary" in path.read_text(encoding="utf-8")
    ]
    assert not own, own
    assert not (ROOT / "proxies" / "templates" / "proxies" / "_error_summary.html").exists()
    assert not (ROOT / "signlanguage" / "templates" / "signlanguage" / "_error.html").exists()
