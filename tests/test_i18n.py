"""Both languages complete: every committed catalogue is fully translated, and makemessages finds
no string that the catalogues lack."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.catalogues import catalogues as po_files
from tests.catalogues import load
from tests.conftest import require_service

ROOT = Path(__file__).resolve().parent.parent
# Not ours (virtualenv, npm) or not source (runtime data, build output).
NOT_SOURCE = {".venv", "node_modules", "var", ".git", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def catalogues(root: Path) -> list[Path]:
    return po_files(root, NOT_SOURCE)


def untranslated(path: Path) -> list[str]:
    """Entries a user would see in English (empty msgstr) or that gettext ignores (fuzzy),
    and translations whose %(name)s placeholders do not match the English."""
    catalog = load(path)
    problems = ["the catalogue header is marked fuzzy"] if catalog.fuzzy else []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif not all(strings):
            problems.append(f"empty msgstr: {msgid!r}")
    for message, errors in catalog.check():
        problems += [f"{message.id!r}: {error}" for error in errors]
    return problems


def test_there_is_a_japanese_catalogue() -> None:
    assert ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po" in catalogues(ROOT)


@pytest.mark.parametrize("po_path", catalogues(ROOT), ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete(po_path: Path) -> None:
    problems = untranslated(po_path)
    assert not problems, f"{po_path.relative_to(ROOT)}:\n" + "\n".join(problems)


def test_makemessages_finds_nothing_missing(tmp_path: Path) -> None:
    """Run makemessages over a copy of the source (one run covers the project catalogue and
    each app's own `locale/`), then check the refreshed copies: a string in the code that the
    committed catalogue lacks shows up there as an empty msgstr."""
    tools = [shutil.which(tool) for tool in ("xgettext", "msgmerge", "msguniq")]
    require_service("GNU gettext", all(tools), "apt-get install gettext")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(*NOT_SOURCE, "__pycache__", "*.mo", "*.sqlite3*"),
    )
    ignored = [
        arg for name in sorted(NOT_SOURCE | {"tests", "bench", "docs"}) for arg in ("-i", name)
    ]
    done = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-obsolete", *ignored],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    refreshed = catalogues(copy)
    assert refreshed, "makemessages wrote no catalogue"
    problems = []
    for path in refreshed:
        relative = path.relative_to(copy)
        if not (ROOT / relative).exists():
            catalog = load(path)
            problems.append(f"{relative}: not committed ({len(catalog)} strings need a catalogue)")
            continue
        problems += [f"{relative}: {p}" for p in untranslated(path)]
    assert not problems, "run makemessages and translate:\n" + "\n".join(problems)
