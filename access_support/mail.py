"""E-mails in the reader's language: each person chose one (User.language: the sign-in settings
page, or the language switch while signed in) and gets every e-mail in it, in the plain-Japanese
wording when they chose that too (docs/accessibility.md, "Language").

    with mail.writing_to(user) as reader:
        subject = mail.subject(reader.words(SUBJECT, PLAIN_SUBJECT))
        body = ...  # gettext, format_datetime(..., plain=reader.plain): all in reader.language
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from access_support.formatting import japanese

BRAND = "Accessible Support"


def language_of(user: Any) -> str:
    """The language to write to `user` in: their choice, else the site's default (Japanese)."""
    chosen = str(getattr(user, "language", "") or "")
    return chosen if chosen in dict(settings.LANGUAGES) else str(settings.LANGUAGE_CODE)


@dataclass(frozen=True)
class Reader:
    """Who an e-mail is written for: the language it is in and whether its wording is plain
    Japanese (chosen with the reading aids; English has one wording)."""

    language: str
    plain: bool

    def words(self, standard: str, plain: Any = None) -> str:
        """`standard` (an English msgid) in the reader's language, or its plain wording
        (`pgettext_lazy("plain", <the same msgid>)`) for a reader of plain Japanese. A plain
        wording the catalogue lacks falls back to the standard one, never to English."""
        if self.plain and plain is not None:
            wording = str(plain)
            if wording != standard:
                return wording
        return gettext(standard)


def reader_for(user: Any) -> Reader:
    language = language_of(user)
    return Reader(language=language, plain=language == "ja" and bool(user.plain_japanese))


@contextmanager
def writing_to(user: Any) -> Iterator[Reader]:
    """Everything translated or formatted inside is in `user`'s language."""
    reader = reader_for(user)
    with translation.override(reader.language):
        yield reader


def subject(text: str) -> str:
    """【Accessible Support】text in Japanese, [Accessible Support] text in English (English text
    never carries full-width brackets)."""
    if japanese():
        return f"【{BRAND}】{text}"
    return f"[{BRAND}] {text}"
