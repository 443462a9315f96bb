"""Dependencies point down (issue 25): the import contract `make lint` runs keeps on this tree
and breaks on an upward import, which it names."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("access_support", "proxies", "signlanguage", "supervision")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy_tree(target: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            target / package,
            ignore=shutil.ignore_patterns("*.pyc", "__pycache__", "static", "templates", "locale"),
        )
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(cwd))
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_the_tree_keeps_the_layers_contract() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract_and_is_named(tmp_path: Path) -> None:
    _copy_tree(tmp_path)
    # The edge the layering once had: the core reaching into an app above it.
    probe = tmp_path / "proxies" / "upward_probe.py"
    probe.write_text("from signlanguage.booking import policies  # noqa: F401\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "proxies.upward_probe -> signlanguage.booking.policies" in result.stdout


def test_the_booking_half_importing_the_live_half_breaks_the_contract(tmp_path: Path) -> None:
    _copy_tree(tmp_path)
    probe = tmp_path / "signlanguage" / "booking" / "upward_probe.py"
    probe.write_text("from signlanguage.live import selectors  # noqa: F401\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "signlanguage.booking.upward_probe -> signlanguage.live.selectors" in result.stdout
