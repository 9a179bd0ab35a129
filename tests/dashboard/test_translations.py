"""Every dashboard string has a Khmer translation, and the compiled catalog matches its source."""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "scfm" / "locale" / "km" / "LC_MESSAGES"
# As the Makefile's `messages` target runs it.
MAKEMESSAGES_OPTIONS = [
    "-l",
    "km",
    "--no-location",
    "--ignore=simulator/*",
    "--ignore=engine/*",
    "--ignore=api/*",
]


def read_po(path: Path) -> list[dict]:
    """Parse the entries of a .po file: msgid, msgid_plural, msgstr(s), flags (enough for checks)."""
    entries, entry, field = [], None, None
    for line in [*path.read_text().splitlines(), ""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        entry = entry if entry is not None else {"flags": "", "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"] += line
        elif line.startswith("#"):
            continue
        else:
            match = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) "(.*)"$', line)
            if match:
                field = (
                    ("msgstr", match.group(2) or "0")
                    if match.group(1).startswith("msgstr")
                    else match.group(1)
                )
                text = match.group(3)
            else:
                text = re.match(r'"(.*)"$', line).group(1)
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] = entry["msgstr"].get(field[1], "") + text
            else:
                entry[field] = entry.get(field, "") + text
    return [e for e in entries if e.get("msgid")]  # drop the header


def unescape(text: str) -> str:
    return text.encode().decode("unicode_escape").encode("latin-1").decode()


@pytest.fixture(scope="module")
def entries():
    return read_po(CATALOG / "django.po")


def test_every_string_is_translated_and_none_is_fuzzy(entries):
    assert len(entries) > 300
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalog_matches_the_source(entries):
    with (CATALOG / "django.mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    for entry in entries:
        if "msgid_plural" in entry or "msgctxt" in entry:
            continue
        assert compiled.gettext(unescape(entry["msgid"])) == unescape(entry["msgstr"]["0"]), entry["msgid"]


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_the_catalog_has_every_string_of_the_code(tmp_path):
    """Run `make messages`' extraction on a copy of the code: no string may be missing."""
    for package in ("scfm", "config"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "--settings=config.settings", *MAKEMESSAGES_OPTIONS],
        cwd=tmp_path / "scfm",
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path), "SCFM_VAR_DIR": str(tmp_path / "var")},
    )
    before = {e["msgid"] for e in read_po(CATALOG / "django.po")}
    after = {e["msgid"] for e in read_po(tmp_path / "scfm" / "locale" / "km" / "LC_MESSAGES" / "django.po")}
    assert sorted(after - before) == [], "run `make messages` and translate the new strings"
