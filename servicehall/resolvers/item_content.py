"""The content of an item version (ITEM-4): everything a guide shows, as one JSON object.

:func:`check` validates content sent by a department (names, enums, limits, and every code
it refers to: department, themes, target groups, business scopes, stations, the e-licence
type that can replace a material); :func:`diff` compares two versions field by field;
:func:`snapshot` reads an item's published content from its row and links;
``resolvers.item_publish`` writes a version into them.

``keywords`` (aliases people type, ITEM-5) is a field of the content like any other: it
is edited through requests and kept with each version; the search builds on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from servicehall import db
from servicehall.errors import InvalidInput, LegalBasisRequired, NotFound, UnknownLicenseType
from servicehall.models.items import ItemKind, ItemLevel, KioskCategory, MaterialForm
from servicehall.resolvers import item_terms

Content = dict[str, Any]

#: Every field of a version's content in the order a guide shows it, with its label.
FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "事项名称"),
    ("department", "实施部门"),
    ("kind", "事项类型"),
    ("level", "实施层级"),
    ("kiosk_category", "镇街事项分类"),
    ("themes", "主题分类"),
    ("target_groups", "特定对象"),
    ("business_scopes", "经营范围"),
    ("keywords", "关键词及别名"),
    ("legal_basis", "设定依据"),
    ("conditions", "受理条件"),
    ("materials", "申请材料"),
    ("statutory_limit_days", "法定办结时限"),
    ("promised_limit_days", "承诺办结时限"),
    ("visits_required", "到现场次数"),
    ("fees", "收费"),
    ("process", "办理流程"),
    ("online_url", "网上申办入口"),
    ("where_to_apply", "办理地点"),
    ("office_hours", "办理时间"),
    ("phone", "咨询电话"),
    ("result_delivery", "结果送达方式"),
    ("stations", "办理站点"),
)
LABELS = dict(FIELDS)
_TEXTS = {"where_to_apply": 256, "office_hours": 64, "phone": 32, "result_delivery": 64}
_CODE_LISTS = ("themes", "target_groups", "business_scopes", "stations")
CITATION = re.compile(r"《[^《》]{2,}》")
MAX_ENTRIES = 50


def cites_law(text: str) -> bool:
    """A legal basis names a law or regulation in 《…》."""
    return CITATION.search(text) is not None


def require_citation(text: str, field: str, what: str = "依据") -> str:
    cleaned = text.strip()
    if not cites_law(cleaned):
        raise LegalBasisRequired(
            f"{what}须引用法律、法规或规章，如《中华人民共和国行政许可法》第十二条", field=field
        )
    return cleaned


def _text(value: Any, field: str, longest: int, *, shortest: int = 0) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{LABELS.get(field, field)}应为文字", field=field)
    cleaned = " ".join(value.split())
    if not shortest <= len(cleaned) <= longest:
        raise InvalidInput(f"{LABELS.get(field, field)}应为{shortest}到{longest}个字", field=field)
    return cleaned


def _texts(value: Any, field: str, longest: int = 500) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        raise InvalidInput(f"{LABELS[field]}应为不超过{MAX_ENTRIES}项的列表", field=field)
    return [_text(v, field, longest, shortest=1) for v in value]


def _days(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 999:
        raise InvalidInput(f"{LABELS[field]}应为0到999的整数", field=field)
    return value


def _choice(value: Any, field: str, enum: type[Any], *, optional: bool = False) -> str | None:
    if value in (None, "") and optional:
        return None
    try:
        return str(enum(value).value)
    except ValueError:
        raise InvalidInput(f"{LABELS[field]}“{str(value)[:20]}”不存在", field=field) from None


def _records(value: Any, field: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        raise InvalidInput(f"{LABELS[field]}应为不超过{MAX_ENTRIES}项的列表", field=field)
    if not all(isinstance(v, dict) for v in value):
        raise InvalidInput(f"{LABELS[field]}的每一项应为对象", field=field)
    return value


def _material(m: dict[str, Any]) -> dict[str, Any]:
    field = "materials"
    count = {k: m.get(k, 0) for k in ("originals", "copies")}
    if any(
        not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 99 for v in count.values()
    ):
        raise InvalidInput("材料的原件、复印件份数应为0到99", field=field)
    license_type = m.get("license_type") or None
    return {
        "name": _text(m.get("name"), field, 128, shortest=2),
        "form": _choice(m.get("form", "original"), field, MaterialForm),
        **count,
        "required": bool(m.get("required", True)),
        "note": _text(m.get("note") or "", field, 200),
        "license_type": None if license_type is None else str(license_type).strip().upper(),
    }


def shape(raw: dict[str, Any]) -> Content:
    """The content with every field checked for form (no database lookups)."""
    unknown = set(raw) - set(LABELS)
    if unknown:
        raise InvalidInput(f"未知的事项字段：{'、'.join(sorted(unknown))[:80]}", field="content")
    got = {key: raw.get(key) for key in LABELS}
    content: Content = {
        "name": _text(got["name"], "name", 128, shortest=2),
        "department": _text(got["department"], "department", 16, shortest=1).upper(),
        "kind": _choice(got["kind"], "kind", ItemKind),
        "level": _choice(got["level"] or "district", "level", ItemLevel),
        "kiosk_category": _choice(
            got["kiosk_category"], "kiosk_category", KioskCategory, optional=True
        ),
    }
    for key in _CODE_LISTS:
        codes = _texts(got[key] or [], key, 16)
        content[key] = sorted(set(codes))
    content["keywords"] = item_terms.clean_keywords(got["keywords"] or [])
    content["legal_basis"] = _texts(got["legal_basis"] or [], "legal_basis")
    if not any(cites_law(b) for b in content["legal_basis"]):
        require_citation("", "legal_basis", "设定依据")
    content["conditions"] = _texts(got["conditions"] or [], "conditions")
    content["materials"] = [_material(m) for m in _records(got["materials"] or [], "materials")]
    for key in ("statutory_limit_days", "promised_limit_days", "visits_required"):
        content[key] = _days(got[key] if got[key] is not None else 0, key)
    if content["promised_limit_days"] > content["statutory_limit_days"]:
        raise InvalidInput("承诺办结时限不能超过法定办结时限", field="promised_limit_days")
    content["fees"] = [
        {
            "name": _text(f.get("name"), "fees", 64, shortest=1),
            "standard": _text(f.get("standard"), "fees", 128, shortest=1),
            "basis": _text(f.get("basis") or "", "fees", 200),
        }
        for f in _records(got["fees"] or [], "fees")
    ]
    content["process"] = [
        {
            "name": _text(p.get("name"), "process", 32, shortest=1),
            "description": _text(p.get("description") or "", "process", 300),
        }
        for p in _records(got["process"] or [], "process")
    ]
    url = _text(got["online_url"] or "", "online_url", 256)
    if url and not url.startswith("https://"):
        raise InvalidInput("网上申办入口应为 https:// 地址", field="online_url")
    content["online_url"] = url
    for key, longest in _TEXTS.items():
        content[key] = _text(got[key] or "", key, longest)
    return {key: content[key] for key in LABELS}


async def _missing(table: str, codes: Iterable[str], extra: str = "") -> list[str]:
    wanted = sorted(set(codes))
    if not wanted:
        return []
    q = db.Sql(db.dialect())
    rows = await db.fetch(
        f"SELECT code FROM {table} WHERE code IN ({q.bind_all(wanted)}){extra}", q.values
    )
    found = {row["code"] for row in rows}
    return [code for code in wanted if code not in found]


async def check(raw: dict[str, Any]) -> Content:
    """The content, checked for form and for every code it names."""
    content = shape(raw)
    if await _missing("department", [content["department"]]):
        raise NotFound(f"部门“{content['department']}”不存在", field="department")
    for key, table in (
        ("themes", "theme"),
        ("target_groups", "target_group"),
        ("business_scopes", "business_scope"),
        ("stations", "area"),
    ):
        missing = await _missing(table, content[key])
        if missing:
            raise NotFound(f"{LABELS[key]}“{'、'.join(missing)[:60]}”不存在", field=key)
    types = [m["license_type"] for m in content["materials"] if m["license_type"]]
    missing = await _missing("license_catalog_entry", types, " AND state <> 'abolished'")
    if missing:
        raise UnknownLicenseType(
            f"电子证照目录中没有可用的证照类型“{'、'.join(missing)[:40]}”，不能替代材料",
            field="materials",
            details={"licenseTypes": missing},
        )
    return content


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    label: str
    before: list[str]
    after: list[str]


def display(key: str, value: Any) -> list[str]:
    """A field's value as lines of text people compare."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [v if isinstance(v, str) else _record_text(v) for v in value]
    return [str(value)]


def _record_text(record: dict[str, Any]) -> str:
    return "；".join(f"{k}={v}" for k, v in record.items() if v not in (None, ""))


def diff(before: Content | None, after: Content) -> list[FieldChange]:
    """The fields whose values differ, in guide order (every filled field for a new item)."""
    old = before or {}
    return [
        FieldChange(key, label, display(key, old.get(key)), display(key, after.get(key)))
        for key, label in FIELDS
        if old.get(key) != after.get(key)
    ]


async def snapshot(item_ids: Sequence[int]) -> dict[int, Content]:
    """The published content of items, read from their rows and links (five statements)."""
    if not item_ids:
        return {}
    q = db.Sql(db.dialect())
    keys = q.bind_all(item_ids)
    rows = await db.fetch(
        "SELECT i.*, d.code AS department_code FROM service_item i "
        f"JOIN department d ON d.id = i.department_id WHERE i.id IN ({keys})",
        q.values,
    )
    links: dict[int, dict[str, list[str]]] = {row["id"]: {} for row in rows}
    for key, sql in (
        ("themes", "SELECT l.item_id, t.code FROM item_theme l JOIN theme t ON t.id = l.theme_id"),
        (
            "target_groups",
            "SELECT l.item_id, t.code FROM item_target_group l "
            "JOIN target_group t ON t.id = l.target_group_id",
        ),
        (
            "business_scopes",
            "SELECT l.item_id, s.code, s.section_code FROM item_business_scope l "
            "JOIN business_scope s ON s.id = l.scope_id",
        ),
        (
            "stations",
            "SELECT l.item_id, a.code FROM station_item l JOIN area a ON a.id = l.area_id",
        ),
    ):
        for link in await db.fetch(f"{sql} WHERE l.item_id IN ({keys})", q.values):
            links[link["item_id"]].setdefault(key, []).append(link["code"])
            if link.get("section_code"):  # a division: its section was linked for facets
                links[link["item_id"]].setdefault("covered", []).append(link["section_code"])
    return {row["id"]: content_of(row, links[row["id"]]) for row in rows}


def content_of(row: dict[str, Any], links: dict[str, list[str]]) -> Content:
    """The content of an item row (``department_code`` joined) and its link codes."""
    scopes = set(links.get("business_scopes", ())) - set(links.get("covered", ()))
    return {
        "name": row["name"],
        "department": row["department_code"],
        "kind": row["kind"],
        "level": row["level"],
        "kiosk_category": row["kiosk_category"] or None,
        "themes": sorted(links.get("themes", ())),
        "target_groups": sorted(links.get("target_groups", ())),
        "business_scopes": sorted(scopes),
        "keywords": list(db.as_json(row["keywords"])),
        "legal_basis": list(db.as_json(row["legal_basis"])),
        "conditions": list(db.as_json(row["conditions"])),
        "materials": [
            {
                "name": m["name"],
                "form": m["form"],
                "originals": int(m.get("originals", 0)),
                "copies": int(m.get("copies", 0)),
                "required": bool(m.get("required", True)),
                "note": m.get("note") or "",
                "license_type": m.get("license_type") or None,
            }
            for m in db.as_json(row["materials"])
        ],
        "statutory_limit_days": row["statutory_limit_days"],
        "promised_limit_days": row["promised_limit_days"],
        "visits_required": row["visits_required"],
        "fees": [dict(f) for f in db.as_json(row["fees"])],
        "process": [dict(p) for p in db.as_json(row["process"])],
        "online_url": row["online_url"],
        "where_to_apply": row["where_to_apply"],
        "office_hours": row["office_hours"],
        "phone": row["phone"],
        "result_delivery": row["result_delivery"],
        "stations": sorted(links.get("stations", ())),
    }
