"""The project's gettext catalogues, for the tests that read them (tests/test_i18n.py,
tests/test_words.py)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po


def catalogues(root: Path, skip: Collection[str], language: str = "*") -> list[Path]:
    """Every LC_MESSAGES/*.po of `language` below `root`, sorted, except those under a folder
    named in `skip`."""
    return sorted(
        path
        for path in root.glob(f"**/locale/{language}/LC_MESSAGES/*.po")
        if not set(skip).intersection(path.relative_to(root).parts)
    )


def load(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)
