"""Punctuation that follows the page language (docs/accessibility.md, "Words: one word per thing").

`{{ value|aside }}`: a value in brackets after what comes before it, （value） on a Japanese page
and " (value)" on an English one, so English pages never show full-width brackets.
`{% list_separator %}`: 、 between items of a list in Japanese, ", " in English.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def japanese() -> bool:
    return (translation.get_language() or "ja").split("-")[0] == "ja"


@register.filter
def aside(value: Any) -> SafeString:
    return format_html("（{}）" if japanese() else " ({})", value)


@register.simple_tag
def list_separator() -> str:
    return "、" if japanese() else ", "
