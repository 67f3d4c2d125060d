"""Every Dutch catalogue is complete: no untranslated and no fuzzy messages."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NL_CATALOGUES = sorted(p for p in ROOT.glob("**/locale/nl/LC_MESSAGES/django.po") if ".venv" not in p.parts)


def test_there_are_dutch_catalogues():
    assert (ROOT / "locale/nl/LC_MESSAGES/django.po") in NL_CATALOGUES


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext (msgfmt) is not installed")
@pytest.mark.parametrize("po", NL_CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dutch_catalogue_is_complete(po):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
