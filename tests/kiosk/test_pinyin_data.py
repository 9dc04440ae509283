"""Issue 21: the kiosk's pinyin candidates are what the generator makes of ``pypinyin``,
and every character of the demo's names can be typed with them."""

from __future__ import annotations

import json

import pytest

from servicehall.demo import accounts, cases, enterprises
from servicehall.kiosk import pinyin_data

pytest.importorskip("pypinyin")  # a dev dependency: the kiosk ships the generated file


def test_the_committed_file_is_the_generators_output() -> None:
    committed = pinyin_data.OUTPUT.read_text(encoding="utf-8")
    assert committed == pinyin_data.render(pinyin_data.generate())
    assert pinyin_data.main(["--check"]) == 0


def _demo_names() -> set[str]:
    names = {a.display_name for a in accounts.DEMO_ACCOUNTS if a.kind.value != "enterprise"}
    for module in (cases, enterprises):
        names |= {s + g for s in module._SURNAMES for g in module._GIVEN}
    return names


def test_every_character_of_the_demo_names_can_be_typed() -> None:
    data = json.loads(pinyin_data.OUTPUT.read_text(encoding="utf-8"))
    reachable = {ch for chars in data["syllables"].values() for ch in chars}
    names = _demo_names()
    assert "陈晓明" in names and "欧阳伟" in names
    missing = {ch for name in names for ch in name} - reachable
    assert missing == set()
    # the candidates are ranked for names: the commonest surname of a syllable comes first
    assert data["syllables"]["chen"][0] == "陈"
    assert data["syllables"]["xiao"][:2] == "肖晓"
    assert data["syllables"]["ou"][:2] == "欧区"  # 区 (Ōu) is a surname of 斗门
    assert set(data["order"]) == reachable
