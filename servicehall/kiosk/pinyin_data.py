"""The kiosk's pinyin candidates (issue 21): generated from ``pypinyin``, shipped as
``static/pinyin.json`` so the on-screen keyboard needs no round trip per key.

The characters are a fixed list, ranked by how common they are in names: the surnames in
the order of how many people bear them, then the characters most used in given names, then
the common characters table (the characters of ``pypinyin``'s phrase dictionary, most
frequent first). For every toneless syllable (``ü`` typed as ``v``) the file lists its
characters in that rank. ``pypinyin`` is needed only to regenerate the file::

    python -m servicehall.kiosk.pinyin_data            # rewrite static/pinyin.json
    python -m servicehall.kiosk.pinyin_data --check    # exit 1 if it is stale

A test checks that the committed file equals the generator's output.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).parent / "static" / "pinyin.json"

#: Surnames, most borne first (single characters; compound surnames are typed by parts).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关"
    "兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻"
    "祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿"
    "桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝区容赖司徒"
    "欧阳上官诸葛东方皇甫尉迟公孙慕容长孙宇文令狐"
)
#: Characters most used in given names.
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬鹏辉建国文斌浩宇子轩"
    "欣怡梓涵嘉晓志俊峰海婷雪琳慧颖佳琪思雨博晨阳晶丹宏亮金成龙飞鑫凯健新春梅云莉兵振东林永"
    "庆德荣昌波晖瑞琦睿泽然一诺妍宁倩蓉翠凤珍琴爱民生福贵祥发光耀荣辉伦坤泉淑贞惠莲兴旺富"
    "宝鸿家豪彦昊天逸航晗悦涵可馨欢雯璐瑶露媛娇婉茜蕾薇月清冰霜秋冬夏立信忠义礼智仁和顺安"
    "康乐美好锦绣荣耀斌辉翔宸铭诚毅恒达远江河山川松柏青翠鹤凤麟"
)
#: Characters of the phrase dictionary kept for the common characters table.
COMMON_SIZE = 4000


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def ranked_characters() -> list[str]:
    """The fixed character list in rank order (names first), without repeats."""
    from pypinyin.phrases_dict import phrases_dict

    counts = Counter(ch for phrase in phrases_dict for ch in phrase if _is_han(ch))
    common = [ch for ch, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    ordered = [ch for ch in SURNAMES + GIVEN if _is_han(ch)] + common[:COMMON_SIZE]
    return list(dict.fromkeys(ordered))


def generate() -> dict[str, Any]:
    """``{"order": all characters in rank, "syllables": {syllable: characters in rank}}``."""
    from pypinyin import Style, pinyin

    order = ranked_characters()
    surnames = set(SURNAMES)
    # (secondary reading, rank): a character's usual reading before its rarer ones, except
    # that a surname is as likely under every reading (区 qū and Ōu, 单 dān and Shàn)
    syllables: dict[str, list[tuple[bool, int, str]]] = {}
    for rank, char in enumerate(order):
        (readings,) = pinyin(char, style=Style.NORMAL, heteronym=True, v_to_u=False)
        for n, reading in enumerate(dict.fromkeys(r.replace("ü", "v") for r in readings)):
            if reading.isascii() and reading.isalpha():
                secondary = n > 0 and char not in surnames
                syllables.setdefault(reading, []).append((secondary, rank, char))
    return {
        "order": "".join(order),
        "syllables": {
            key: "".join(char for _, _, char in sorted(chars))
            for key, chars in sorted(syllables.items())
        },
    }


def render(data: dict[str, Any]) -> str:
    """The file's text: one syllable a line, so that a regenerated file diffs readably."""
    lines = [f'  "order": {json.dumps(data["order"], ensure_ascii=False)},', '  "syllables": {']
    items = list(data["syllables"].items())
    for n, (key, chars) in enumerate(items):
        comma = "," if n < len(items) - 1 else ""
        lines.append(f"    {json.dumps(key)}: {json.dumps(chars, ensure_ascii=False)}{comma}")
    return "{\n" + "\n".join(lines) + "\n  }\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args(argv)
    text = render(generate())
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale: run python -m servicehall.kiosk.pinyin_data")
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
