"""ITEM-1: Chinese keyword search terms work for one- and two-character queries."""

from __future__ import annotations

from servicehall.text import index_terms, like_escape, normalize, query_terms, query_tokens


def test_normalize_folds_width_and_case() -> None:
    assert normalize("  ＩＣＰ  经营许可　证 ") == "icp 经营许可 证"


def test_index_terms_are_unigrams_and_bigrams() -> None:
    assert index_terms("营业执照") == {"营", "业", "执", "照", "营业", "业执", "执照"}
    assert "证" in index_terms("食品经营许可证")


def test_query_terms_of_short_and_long_tokens() -> None:
    assert query_terms("证") == ["证"]
    assert query_terms("营业") == ["营业"]
    assert query_terms("食品经营许可") == ["食品", "经营", "许可"]
    # every query term of a token is an index term of any name containing the token
    name_terms = index_terms("餐饮服务食品经营许可证核发")
    for token in ("食品经营许可证", "经营", "许", "可证核发"):
        assert set(query_terms(token)) <= name_terms


def test_query_tokens_split_on_spaces_and_cap_length() -> None:
    assert query_tokens(" 食品  许可 ") == ["食品", "许可"]
    assert len(query_tokens("长" * 100)[0]) == 40
    assert query_tokens("   ") == []


def test_like_escape() -> None:
    assert like_escape("100%_a\\b") == "100\\%\\_a\\\\b"
