"""Masking card-number-like digit runs in free text before it is stored (no card numbers kept).

One function for every free-text field a customer, proxy, operator or supervisor writes (chat,
booking topics and notes, procedure details, summaries, abuse notes, feedback, supervisors'
notes) and for what is exported. A card number is 13–19 digits of any script (every Unicode
decimal digit: half- and full-width, Arabic-Indic, Devanagari …), optionally split into groups
by up to three separators (spaces of every kind, tab, no-break space, ".", hyphens, dashes), that
passes the Luhn check. Every digit of it except the last four becomes "*", separators stay, so
the operator can still say "the card ending 1234" and nothing that could be charged is kept.

Linear time: a run of digit groups is scanned once, and for each group only the groups before
it that together hold at most 19 digits are looked at, with the Luhn sum carried along — a
2,000-character message costs milliseconds whatever its shape. Callers mask before their
transaction begins, so no database lock is held while text is scanned.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

# What the writer is told when something they wrote was masked (chat, notes, topics, requests).
MASKED_NOTICE = gettext_lazy(
    "Please do not send card numbers. We hid the number before saving your message."
)

MIN_DIGITS = 13
MAX_DIGITS = 19
KEEP_LAST = 4
# Between two digit groups: "4111 - 1111" and double spaces are how people write numbers; more
# than three separators in a row is no longer one number.
MAX_SEPARATORS = 3

_SEPARATORS = (
    " \t\u00a0\u2000-\u200b\u202f\u205f\u3000"  # spaces: ASCII, tab, no-break, typographic …
    "\u00ad"  # soft hyphen
    ".\uff0e"  # full stops, half- and full-width
    "\\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d\u30fc"  # hyphens, dashes, minus, ー
)
# `\d` is every Unicode decimal digit (category Nd) — the characters int() reads. Separators and
# digits are disjoint, so this pattern never backtracks by more than three characters: linear.
_RUN = re.compile(rf"\d+(?:[{_SEPARATORS}]{{1,{MAX_SEPARATORS}}}\d+)*")
_GROUP = re.compile(r"\d+")
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # a Luhn-doubled digit, 9 subtracted when over 9


def luhn_valid(digits: str) -> bool:
    """The Luhn check of a string of decimal digits (any script)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        total += _DOUBLED[value] if index % 2 else value
    return total % 10 == 0


def _mask_run(run: str) -> str | None:
    """`run` (digit groups joined by separators) with its card numbers masked, or None when it
    holds none. The longest Luhn-valid 13–19 digit stretch of whole groups is masked first
    ("4111 1111 1111 1111 12/28" keeps its expiry), then the longest of what is left, so two
    cards written one after the other are both masked."""
    spans = [(m.start(), m.end()) for m in _GROUP.finditer(run)]
    # Digit values of each group; a group longer than a card number can never be part of one.
    values = [
        [int(c) for c in run[start:end]] if end - start <= MAX_DIGITS else None
        for start, end in spans
    ]
    candidates: list[tuple[int, int, int]] = []  # (-digits, first group, last group)
    for last in range(len(spans)):
        total = count = 0
        first = last
        # Bounded look-back: groups before `last` only while the stretch holds ≤ 19 digits; the
        # Luhn sum grows from the right end, so each step adds only the new group's digits.
        while first >= 0:
            group = values[first]
            if group is None or count + len(group) > MAX_DIGITS:
                break
            for value in reversed(group):
                total += _DOUBLED[value] if count % 2 else value
                count += 1
            if count >= MIN_DIGITS and total % 10 == 0:
                candidates.append((-count, first, last))
            first -= 1
    if not candidates:
        return None
    candidates.sort()
    taken = [False] * len(spans)
    chars = list(run)
    for _digits, first, last in candidates:
        if any(taken[first : last + 1]):
            continue
        keep = KEEP_LAST
        for index in range(last, first - 1, -1):
            taken[index] = True
            start, end = spans[index]
            for position in range(end - 1, start - 1, -1):
                if keep:
                    keep -= 1
                else:
                    chars[position] = "*"
    return "".join(chars)


def mask_card_numbers(text: str) -> tuple[str, bool]:
    """Return the text with card-number-like runs masked, and whether anything was masked."""
    pieces: list[str] = []
    done = 0
    for match in _RUN.finditer(text):
        if match.end() - match.start() < MIN_DIGITS:  # too few characters to hold 13 digits
            continue
        run = _mask_run(match.group())
        if run is not None:
            pieces += (text[done : match.start()], run)
            done = match.end()
    if not pieces:
        return text, False
    pieces.append(text[done:])
    return "".join(pieces), True


def masked_text(text: str) -> str:
    """`text` with card numbers masked (for a field whose writer is told separately)."""
    return mask_card_numbers(text)[0]


def has_card_number(*texts: object) -> bool:
    """Whether any of `texts` (non-strings are ignored) would be masked."""
    return any(isinstance(t, str) and mask_card_numbers(t)[1] for t in texts)


def tell_saved(request: HttpRequest, done: str, *typed: object) -> None:
    """Tell the writer that what they sent is saved (`done`) and, when what they typed held a
    card number, that we hid it (MASKED_NOTICE)."""
    messages.success(request, done)
    if has_card_number(*typed):
        messages.warning(request, MASKED_NOTICE)
