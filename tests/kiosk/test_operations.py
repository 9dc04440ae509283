"""STA-4: the kiosk UI's operations are the allow-list, and the UI uses nothing else."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from servicehall import seams
from servicehall.auth.captcha import ALPHABET, KIOSK_ALPHABET
from servicehall.kiosk import ManifestError, load_manifest
from servicehall.kiosk.operations import OPERATIONS_DIR
from servicehall.kiosk.ui import STATIC_DIR
from servicehall.models import RatingLevel
from servicehall.schema import build_schema
from servicehall.settings import Settings
from tests.kiosk.support import MANIFEST

SCRIPTS = sorted((STATIC_DIR / "js").glob("*.js"))


def test_every_operation_file_is_in_the_manifest_with_its_hash() -> None:
    files = sorted(OPERATIONS_DIR.glob("*.graphql"))
    assert [op.name for op in MANIFEST.operations] == [f.stem for f in files]
    for op, path in zip(MANIFEST.operations, files, strict=True):
        assert op.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert op.text == path.read_text(encoding="utf-8")
    listing = MANIFEST.as_json()["operations"]
    assert listing["KioskHome"]["sha256"] == MANIFEST.by_name("KioskHome").sha256  # type: ignore[union-attr]


def test_only_public_answers_may_be_kept_for_offline_use() -> None:
    kinds = {op.name: (op.service, op.public, op.mutation) for op in MANIFEST.operations}
    assert kinds == {
        "KioskHome": ("guides", True, False),
        "StationPage": ("guides", True, False),
        "StationSearch": ("guides", True, False),
        "ItemGuide": ("guides", True, False),
        "CaseProgress": ("progress", False, False),
        "CreateCaptcha": ("rating", False, True),
        "RateCase": ("rating", False, True),
    }


def _used_operations(source: str) -> set[str]:
    return set(re.findall(r"\bcall\(\s*\"(\w+)\"", source))


def test_the_ui_calls_exactly_the_allow_listed_operations() -> None:
    used: set[str] = set()
    for script in SCRIPTS:
        source = script.read_text(encoding="utf-8")
        used |= _used_operations(source)
        # every request goes through api.js's call(), which sends hashes only
        if script.name != "api.js":
            assert "fetch(" not in source, script.name
    assert used == {op.name for op in MANIFEST.operations}
    api = (STATIC_DIR / "js" / "api.js").read_text(encoding="utf-8")
    assert "sha256Hash: operation.sha256" in api and "query:" not in api


def test_the_ui_never_writes_browser_storage() -> None:
    for script in SCRIPTS:
        source = script.read_text(encoding="utf-8")
        for api in ("localStorage", "sessionStorage", "document.cookie", "indexedDB", "caches."):
            assert api not in source, f"{script.name} uses {api}"


def test_the_uis_tables_match_the_hall() -> None:
    """The rating levels (RATE-3) and the captcha keypad are written into the UI: keep them
    equal to the hall's enum and captcha alphabet."""
    cases = (STATIC_DIR / "js" / "cases.js").read_text(encoding="utf-8")
    levels = re.findall(r'\["(\w+)", "([^"]+)", (\d)\]', cases)
    assert levels == [(lvl.name, lvl.label, str(lvl.stars)) for lvl in RatingLevel]
    keypad = (STATIC_DIR / "js" / "keypad.js").read_text(encoding="utf-8")
    assert f'"{ALPHABET}"' in keypad
    digits = re.search(r"CAPTCHA_DIGITS = \[([^\]]*)\]", keypad)
    assert digits is not None
    assert set(KIOSK_ALPHABET) <= set(re.findall(r'"(\d)"', digits.group(1)))


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("Home", "query Home { towns { code } }", "first line"),
        ("Home", "# service: elsewhere\nquery Home { towns { code } }", "first line"),
        ("Home", "# service: guides\nquery Other { towns { code } }", "named Home"),
        (
            "Home",
            "# service: guides\nquery Home { towns { code } }\nquery B { towns { name } }",
            "exactly one",
        ),
        ("Home", "# service: guides\nquery Home { towns { nope } }", "nope"),
        (
            "Home",
            "# service: guides\nsubscription Home { caseProgressChanged("
            'caseNumber: "1", applicantName: "x") { case { stage { label } } } }',
            "subscribe",
        ),
    ],
)
def test_a_bad_operation_file_stops_the_start(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    (tmp_path / f"{name}.graphql").write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=problem):
        load_manifest(seams.graphql_schema(build_schema(Settings().query_limits)), tmp_path)
