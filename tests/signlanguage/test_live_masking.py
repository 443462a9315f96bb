"""Card-number masking before chat text is stored: Luhn-valid 13–19 digit runs, with spaces,
hyphens or full-width digits, keep only their last four digits."""

from __future__ import annotations

import pytest

from access_support.masking import luhn_valid, mask_card_numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4111111111111111", "************1111"),
        ("番号は4111 1111 1111 1111です", "番号は**** **** **** 1111です"),
        ("4111-1111-1111-1111", "****-****-****-1111"),
        ("４１１１－１１１１－１１１１－１１１１", "****－****－****－１１１１"),
        ("3782 822463 10005", "**** ****** *0005"),
        ("4111 1111 1111 1111 12/28", "**** **** **** 1111 12/28"),
        (
            "カード 5555555555554444、もう一枚 4242424242424242",
            "カード ************4444、もう一枚 ************4242",
        ),
    ],
)
def test_card_numbers_are_masked_but_the_last_four_digits_stay(text, expected):
    assert mask_card_numbers(text) == (expected, True)


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111112",  # fails the Luhn check
        "会員番号 1234567890",  # 10 digits: a member number
        "電話 090-1234-5678",
        "2026年12月3日 10:00",
        "411111111111",  # 12 digits
        "",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_card_numbers(text) == (text, False)


def test_luhn():
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
