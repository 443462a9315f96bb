"""Punctuation, dates and language of parts that follow the page language (docs/accessibility.md,
"Words: one word per thing" and "Language").

`{{ value|aside }}`: a value in brackets after what comes before it, （value） on a Japanese page
and " (value)" on an English one, so English pages never show full-width brackets.
`{% list_separator %}`: 、 between items of a list in Japanese, ", " in English.
`{{ moment|when }}`, `{{ day|day }}`: 2026年12月3日(木) 10:00 on a Japanese page, Thu 3 Dec 2026
10:00 on an English one (Japan time; access_support/formatting.py), never 年月日 in English.
`{{ text|lang_span }}`, `<p{{ text|lang_attr }}>`: text people wrote (a chat message, a name) in
Japanese script is marked `lang="ja"` on a page in another language (WCAG 3.1.2), so a screen
reader reads it with a Japanese voice.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from access_support.formatting import JST, format_date, format_datetime, japanese

register = template.Library()

# Kana (hiragana, katakana and its extensions, half-width katakana), kanji (CJK ideographs and
# their extensions) and 々〆〇: a text with any of them is Japanese for the reader's voice.
_JAPANESE_SCRIPT = re.compile(
    "[\u3005-\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uff66-\uff9f\U00020000-\U0003134f]"
)


def japanese_script(text: Any) -> bool:
    return bool(_JAPANESE_SCRIPT.search(str(text or "")))


def part_language(text: Any) -> str:
    """ "ja" for a text in Japanese script on a page in another language, else "" (the page's
    own language already covers it)."""
    return "ja" if not japanese() and japanese_script(text) else ""


@register.filter
def aside(value: Any) -> SafeString:
    return format_html("（{}）" if japanese() else " ({})", value)


@register.simple_tag
def list_separator() -> str:
    return "、" if japanese() else ", "


@register.filter
def when(value: Any) -> str:
    if not isinstance(value, datetime.datetime):
        return ""
    return format_datetime(value)


@register.filter
def day(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        value = value.astimezone(JST).date()
    if not isinstance(value, datetime.date):
        return ""
    return format_date(value)


@register.filter
def lang_attr(value: Any) -> SafeString:
    language = part_language(value)
    return mark_safe(f' lang="{language}"') if language else mark_safe("")  # noqa: S308


@register.filter
def lang_span(value: Any) -> SafeString:
    language = part_language(value)
    if not language:
        return format_html("{}", value)
    return format_html('<span lang="{}">{}</span>', language, value)
