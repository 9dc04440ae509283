"""Keywords and aliases of the demo items (ITEM-5): what residents type instead of the
official name. Each rule gives its keywords to every item whose name contains its part,
so generated variants (``企业设立登记（变更）``) carry them too."""

from __future__ import annotations

#: (part of an item name, keywords of every item whose name contains it)
KEYWORD_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("社会保险", ("社保",)),
    ("养老保险", ("社保", "养老金")),
    ("失业保险", ("社保", "失业金")),
    ("工伤", ("社保", "工伤保险")),
    ("社会保障卡", ("社保卡",)),
    ("医疗保险", ("医保",)),
    ("医疗费用报销", ("医保报销",)),
    ("生育津贴", ("生育保险",)),
    ("设立登记", ("营业执照", "开公司", "开办企业")),
    ("个体工商户注册登记", ("营业执照", "开店")),
    ("企业变更登记", ("营业执照变更",)),
    ("个体工商户变更登记", ("营业执照变更",)),
    ("企业注销登记", ("营业执照注销",)),
    ("企业简易注销登记", ("营业执照注销",)),
    ("个体工商户注销登记", ("营业执照注销",)),
    ("居民身份证", ("身份证",)),
    ("户口", ("户籍", "户口本")),
    ("出生登记", ("上户口", "户口")),
    ("最低生活保障", ("低保",)),
    ("特困人员", ("五保",)),
    ("结婚登记", ("领证", "结婚证")),
    ("残疾人证", ("残疾证",)),
    ("出生医学证明", ("出生证",)),
    ("计划生育", ("计生",)),
    ("不动产", ("房产证", "产权证")),
    ("公共租赁住房", ("公租房", "住房保障")),
    ("住房租赁补贴", ("租房补贴", "住房保障")),
    ("食品经营许可", ("食品许可证",)),
    ("驾驶证", ("驾照",)),
    ("宅基地", ("建房", "农村建房")),
)


def keywords_for(name: str) -> list[str]:
    """The demo keywords of an item name, in rule order, each once."""
    found: dict[str, None] = {}
    for part, keywords in KEYWORD_RULES:
        if part in name:
            found.update(dict.fromkeys(keywords))
    return list(found)
