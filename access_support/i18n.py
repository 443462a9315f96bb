"""Compile the committed .po catalogues to .mo with Babel (no GNU gettext needed to build)."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def catalogues() -> list[Path]:
    return sorted(p for p in ROOT.glob("**/locale/*/LC_MESSAGES/*.po") if ".venv" not in p.parts)


def compile_all() -> int:
    """Write each .mo whose bytes change, through a temporary file renamed over it: a process
    reading the catalogues meanwhile (a server another CI pass started, .ci/run) sees the old
    file or the new one, never a half-written one."""
    for po_path in catalogues():
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        data = buffer.getvalue()
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.read_bytes() == data:
            continue
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, mo_path)
    return 0


if __name__ == "__main__":
    if sys.argv[1:] != ["compile"]:
        sys.exit("usage: python -m access_support.i18n compile")
    sys.exit(compile_all())
