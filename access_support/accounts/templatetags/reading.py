"""`{% furigana %}…{% endfurigana %}`: ruby readings over the enclosed text when chosen.

Both leave the page untouched unless furigana are on for this request (Japanese only); the
choice reaches the template as `reading` (access_support.context_processors.site).
"""

from __future__ import annotations

from django import template
from django.template.base import Parser, Token

from access_support.accounts import reading

register = template.Library()


def _on(context: template.Context) -> bool:
    chosen = context.get("reading")
    return bool(getattr(chosen, "furigana", False))


class FuriganaNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        html = self.nodelist.render(context)
        if not _on(context):
            return html
        return reading.furigana_html(html)


@register.tag("furigana")
def do_furigana(parser: Parser, token: Token) -> FuriganaNode:
    """Ruby over the dictionary words in the text of the enclosed (already escaped) HTML."""
    nodelist = parser.parse(("endfurigana",))
    parser.delete_first_token()
    return FuriganaNode(nodelist)
