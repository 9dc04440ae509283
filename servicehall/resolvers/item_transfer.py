"""The registry as JSON Lines (ITEM-4): ``servicehall items export`` hands the city's item
system the whole catalogue with every version; ``items import`` turns a department's bulk
change into one request.

Export: one item per line, ``{"code", "status", "versions": [{"number", "status",
"change", "publishedAt", "requestId", "content"}, ...]}``, versions oldest first (a
version still in a request is ``"proposed"`` with ``number`` null).

Import: one item per line, ``{"code", "change": "add" | "change" | "cancel", "content"}``
(``content`` as in the export, not needed to cancel); a line of the export format is read
as a change to the content of its published version. Lines whose content equals the
published version are left out, so a department may send its whole list back.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from servicehall import db
from servicehall.errors import InvalidInput
from servicehall.models import RequestKind, VersionStatus
from servicehall.resolvers.item_requests import Entry

CHUNK = 500


async def export_lines() -> AsyncIterator[str]:
    """Every item with its versions, one JSON line each, in code order."""
    codes = [
        row["item_code"]
        for row in await db.fetch("SELECT DISTINCT item_code FROM item_version ORDER BY item_code")
    ]
    status = {
        row["code"]: row["status"]
        for row in await db.fetch("SELECT code, status FROM service_item")
    }
    for start in range(0, len(codes), CHUNK):
        part = codes[start : start + CHUNK]
        q = db.Sql(db.dialect())
        rows = await db.fetch(
            "SELECT item_code, number, status, change, published_at, request_id, content "
            f"FROM item_version WHERE item_code IN ({q.bind_all(part)}) "
            f"AND status <> {q.bind(VersionStatus.DROPPED.value)} ORDER BY item_code, id",
            q.values,
        )
        versions: dict[str, list[dict[str, Any]]] = {code: [] for code in part}
        for row in rows:
            published = db.as_datetime(row["published_at"])
            versions[row["item_code"]].append(
                {
                    "number": row["number"],
                    "status": row["status"],
                    "change": row["change"],
                    "publishedAt": published.isoformat() if published else None,
                    "requestId": row["request_id"],
                    "content": db.as_json(row["content"]),
                }
            )
        for code in part:
            line = {
                "code": code,
                "status": status.get(code, "proposed"),
                "versions": versions[code],
            }
            yield json.dumps(line, ensure_ascii=False, sort_keys=True)


def _entry(number: int, data: Any) -> Entry:
    where = f"第{number}行"
    if not isinstance(data, dict) or not isinstance(data.get("code"), str):
        raise InvalidInput(f"{where}：应为含 code 的 JSON 对象", field="file")
    if "versions" in data:  # a line of the export: its published version's content
        published = [v for v in data["versions"] if v.get("status") == "published"]
        if not published:
            raise InvalidInput(f"{where}：事项{data['code']}没有现行版本", field="file")
        return Entry(data["code"], RequestKind.CHANGE, published[-1]["content"])
    try:
        change = RequestKind(data.get("change", "change"))
    except ValueError:
        raise InvalidInput(f"{where}：change 应为 add、change 或 cancel", field="file") from None
    content = data.get("content")
    if change is not RequestKind.CANCEL and not isinstance(content, dict):
        raise InvalidInput(f"{where}：新增、调整须给出 content", field="file")
    return Entry(data["code"], change, content)


def read_lines(lines: Iterable[str]) -> list[Entry]:
    """The entries of a JSON Lines file (blank lines skipped); a bad line names itself."""
    entries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise InvalidInput(f"第{number}行不是有效的 JSON：{error.msg}", field="file") from None
        entries.append(_entry(number, data))
    return entries
