"""Masking card-number-like digit runs in chat text before it is stored (no card numbers kept).

A run is 13–19 digits (half-width or full-width), optionally split by single spaces or hyphens
(also full-width ones), that passes the Luhn check — the shape of a payment card number. Every
digit of such a run except the last four becomes "*", separators stay, so the operator can still
say "the card ending 1234" and nothing that could be charged is kept.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy

# What the customer is told when something they wrote was masked (chat, notes, topics, requests).
MASKED_NOTICE = gettext_lazy(
    "Please do not send card numbers. We hid the number before saving your message."
)

_DIGIT = "0-9\uff10-\uff19"  # 0-9 and full-width ０-９
_SEPARATOR = " \u3000\\-\u2010\u2011\u2012\u2013\u2014\u2212\uff0d"  # spaces and hyphens/dashes
_RUN = re.compile(rf"(?<![{_DIGIT}])[{_DIGIT}](?:[{_SEPARATOR}]?[{_DIGIT}]){{12,}}(?![{_DIGIT}])")
MIN_DIGITS = 13
MAX_DIGITS = 19


def _half_width(char: str) -> str:
    if "\uff10" <= char <= "\uff19":
        return chr(ord(char) - 0xFF10 + ord("0"))
    return char


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _is_digit(char: str) -> bool:
    return char.isascii() and char.isdigit() or "\uff10" <= char <= "\uff19"


def _digits(group: str) -> str:
    return "".join(_half_width(c) for c in group if _is_digit(c))


def _mask_group(group: str, keep_last: int) -> str:
    """Replace every digit of `group` with "*" except its last `keep_last` digits."""
    total = sum(1 for c in group if _is_digit(c))
    out: list[str] = []
    seen = 0
    for char in group:
        if _is_digit(char):
            out.append(char if seen >= total - keep_last else "*")
            seen += 1
        else:
            out.append(char)
    return "".join(out)


def _mask_run(match: re.Match[str]) -> str:
    """Mask the longest stretch of whole digit groups (split at separators) that is a Luhn-valid
    13–19 digit number: "4111 1111 1111 1111 12/28" still loses its card number."""
    run = match.group(0)
    # Groups with their trailing separator, so joining them gives the run back.
    groups = re.findall(rf"[{_DIGIT}]+[{_SEPARATOR}]?", run)
    best: tuple[int, int] | None = None
    for start in range(len(groups)):
        for stop in range(len(groups), start, -1):
            digits = _digits("".join(groups[start:stop]))
            if MIN_DIGITS <= len(digits) <= MAX_DIGITS and luhn_valid(digits):
                if best is None or stop - start > best[1] - best[0]:
                    best = (start, stop)
                break
    if best is None:
        return run
    start, stop = best
    head, body, tail = groups[:start], groups[start:stop], groups[stop:]
    last = body[-1]
    tail_digits = sum(1 for c in last if _is_digit(c))
    masked_body = [_mask_group(g, 0) for g in body[:-1]] + [_mask_group(last, min(4, tail_digits))]
    if tail_digits < 4:
        # The last group is short (e.g. Amex 4-6-5 keeps 5): keep four digits across groups.
        joined = "".join(body)
        masked_body = [_mask_group(joined, 4)]
    return "".join(head) + "".join(masked_body) + "".join(tail)


def has_card_number(*texts: object) -> bool:
    """Whether any of `texts` (non-strings are ignored) would be masked."""
    return any(isinstance(t, str) and mask_card_numbers(t)[1] for t in texts)


def mask_card_numbers(text: str) -> tuple[str, bool]:
    """Return the text with card-number-like runs masked, and whether anything was masked."""
    masked = _RUN.sub(_mask_run, text)
    return masked, masked != text
