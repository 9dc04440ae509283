"""Typing at the kiosk as a resident does: Chinese on the on-screen pinyin keyboard
(issue 21), letter by letter, then the character from the candidate bar."""

from __future__ import annotations

import json
from functools import cache

from playwright.async_api import Locator, expect

from servicehall.kiosk.pinyin_data import OUTPUT


@cache
def _syllables() -> dict[str, str]:
    table: dict[str, str] = json.loads(OUTPUT.read_text(encoding="utf-8"))["syllables"]
    return table


def syllable_of(char: str) -> str:
    """The syllable under which ``char`` ranks highest (what a resident would type)."""
    found = [(chars.index(char), key) for key, chars in _syllables().items() if char in chars]
    assert found, f"{char} cannot be typed"
    return min(found)[1]


def initials(text: str) -> str:
    return "".join(syllable_of(char)[0] for char in text)


async def type_chinese(keyboard: Locator, text: str) -> None:
    """Type ``text`` on the pinyin keyboard ``keyboard`` (a group of keys)."""
    bar = keyboard.get_by_role("group", name="候选字")
    for char in text:
        for letter in syllable_of(char):
            await keyboard.get_by_role("button", name=letter, exact=True).click()
        await expect(bar.locator(".candidate").first).to_be_visible()
        candidate = bar.get_by_role("button", name=char, exact=True)
        for _ in range(40):  # the candidates come a page at a time
            if await candidate.count():
                break
            await bar.get_by_role("button", name="下一页").click()
        await candidate.click()


async def type_letters(keyboard: Locator, letters: str) -> None:
    """Type ``letters`` and take them as they are (a search by pinyin initials)."""
    for letter in letters:
        await keyboard.get_by_role("button", name=letter, exact=True).click()
    await (
        keyboard.get_by_role("group", name="候选字")
        .get_by_role("button", name=f"字母 {letters}", exact=True)
        .click()
    )
