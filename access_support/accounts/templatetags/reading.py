"""Reading aids in templates, both Japanese-only; the choice reaches the template as `reading`
(access_support.context_processors.site).

`{% furigana %}…{% endfurigana %}`: ruby readings over the enclosed text when furigana are on.

`{% plain %}standard wording{% or %}plain wording{% endplain %}`: the plain-Japanese (やさしい
日本語) wording when the visitor chose it and the page is in Japanese, else the standard one.
Both parts hold ordinary template code, typically `{% translate "…" %}` and
`{% translate "…" context "plain" %}` (makemessages finds them as usual).
`{% plain as name %}…{% or %}…{% endplain %}` renders nothing and stores the chosen wording, for
an include argument or text used several times.
"""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.template.base import Parser, Token
from django.utils import translation
from django.utils.html import json_script
from django.utils.safestring import mark_safe

from access_support.accounts import reading

register = template.Library()


def _on(context: template.Context) -> bool:
    chosen = context.get("reading")
    return bool(getattr(chosen, "furigana", False))


def plain_wording(context: template.Context) -> bool:
    """Whether this page shows the plain wording: chosen, and the page language is Japanese
    (English has one wording)."""
    chosen = context.get("reading")
    language = (translation.get_language() or "").split("-")[0]
    return bool(getattr(chosen, "plain", False)) and language == "ja"


class FuriganaNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        html = self.nodelist.render(context)
        if not _on(context):
            return html
        # The people's names shown while rendering (User.name noted them with their readings).
        return reading.furigana_html(html, reading.names_shown(context.get("request")))


@register.simple_tag(takes_context=True)
def furigana_words(context: template.Context, *texts: Any, dictionary: bool = False) -> str:
    """With furigana on, `<script type="application/json" id="furigana-words">`: the dictionary
    words in the texts the page's script writes (strings or dicts of them) and their readings,
    so that text gets the same furigana (signlanguage/static/signlanguage/furigana.js).
    `dictionary=True`: every word of the dictionary (about 20 kB), for a page whose script writes
    what people say (the chat)."""
    if not _on(context):
        return ""
    # A person among the arguments (the session's operator) is named by the page's text and
    # script: reading their name notes its reading for the page, and the script gets it too.
    people = [text for text in texts if hasattr(text, "name_reading")]
    for person in people:
        person.name  # noqa: B018 - User.name notes the reading of the name it returns
    words = reading.client_words(*(text for text in texts if text not in people))
    if dictionary:
        words.update(
            {word: reading.ruby_pieces(word, kana) for word, kana in reading.READINGS.items()}
        )
    for name, kana in reading.names_shown(context.get("request")).items():
        words[html.unescape(name)] = reading.ruby_pieces(html.unescape(name), html.unescape(kana))
    return json_script(words, "furigana-words")


@register.tag("furigana")
def do_furigana(parser: Parser, token: Token) -> FuriganaNode:
    """Ruby over the dictionary words in the text of the enclosed (already escaped) HTML."""
    nodelist = parser.parse(("endfurigana",))
    parser.delete_first_token()
    return FuriganaNode(nodelist)


class PlainNode(template.Node):
    child_nodelists = ("nodelist_standard", "nodelist_plain")

    def __init__(
        self, standard: template.NodeList, plain: template.NodeList, target: str | None
    ) -> None:
        self.nodelist_standard = standard
        self.nodelist_plain = plain
        self.target = target

    def render(self, context: template.Context) -> str:
        chosen = self.nodelist_plain if plain_wording(context) else self.nodelist_standard
        html = chosen.render(context)
        if self.target is None:
            return html
        # Rendered template output: escaped by the template engine already.
        context[self.target] = mark_safe(html)  # noqa: S308
        return ""


@register.tag("plain")
def do_plain(parser: Parser, token: Token) -> PlainNode:
    """`{% plain [as name] %}standard{% or %}plain{% endplain %}`."""
    bits = token.split_contents()
    if len(bits) == 1:
        target = None
    elif len(bits) == 3 and bits[1] == "as":
        target = bits[2]
    else:
        raise template.TemplateSyntaxError(
            "Use {% plain %}…{% or %}…{% endplain %} or {% plain as name %}…{% or %}…{% endplain %}"
        )
    standard = parser.parse(("or", "endplain"))
    if parser.next_token().contents != "or":
        raise template.TemplateSyntaxError(
            "{% plain %} needs both wordings: {% plain %}standard{% or %}plain{% endplain %}"
        )
    plain = parser.parse(("endplain",))
    parser.delete_first_token()
    return PlainNode(standard, plain, target)
