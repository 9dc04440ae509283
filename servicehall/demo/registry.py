"""The item registry's demo (ITEM-4): an account for each step and a request in each.

Every item starts with its published version 1. 区市场监管局's item editor (``scjg002``)
has requests waiting in every step of the process, one returned to the department, one
published (the item is now at version 2) and one withdrawn; the request waiting for the
directory office's first opinion is overdue, so the urging list and job have something
to show. The reviewers stand for the district's offices (``item_registry.OFFICE_NAMES``):
区政务服务和数据管理局 (目录管理机构), 区委编办 (机构编制部门), 区司法局 (法制机构, also a
department of the catalogue) and 区监委 (监察机关).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.demo.accounts import REGISTRY_STAFF
from servicehall.models import (
    Account,
    ItemRequest,
    RequestKind,
    ServiceItem,
    WorkflowStep,
)
from servicehall.resolvers import item_requests as requests
from servicehall.resolvers.item_publish import baseline_versions, published_version
from servicehall.resolvers.item_requests import Entry

#: The code of the item the demo's 新增 request proposes.
NEW_CODE = "SCJG-QT-0901"
_BASIS = "《广东省政务服务事项目录管理办法》第十二条"
_LEGAL = "《中华人民共和国行政许可法》第十二条、第十四条"
#: The steps a request takes, in order, after submission: (actor, action, opinion, basis).
_WALK = (
    ("zsj001", "first_review", "事项要素齐全，同意报送编制部门审核。", ""),
    ("bb001", "staffing_review", "符合该部门“三定”规定的职责范围。", ""),
    ("sfj001", "legal_review", "设定依据合法有效。", _LEGAL),
    ("zsj001", "approve", "经审定，同意。", ""),
    ("jw001", "file", "已备案。", ""),
)


def _principal(account: Account) -> Principal:
    return Principal(
        PrincipalKind.STAFF,
        subject=account.subject,
        department_code=account.department.code if account.department else None,
        roles=frozenset(account.roles),
    )


def _new_item(content: dict[str, Any]) -> dict[str, Any]:
    return content | {
        "name": "食品小作坊登记",
        "keywords": ["小作坊", "食品作坊登记"],
        "statutory_limit_days": 20,
        "promised_limit_days": 10,
        "online_url": f"https://www.gdzwfw.gov.cn/portal/guide/{NEW_CODE}",
        "stations": [],
    }


async def load_registry() -> None:
    """Versions of every item, then the demo requests (in the caller's transaction)."""
    await baseline_versions()
    staff = {
        a.username: _principal(a)
        for a in await Account.filter(
            username__in=[d.login for d in REGISTRY_STAFF]
        ).prefetch_related("department")
    }
    items = await ServiceItem.filter(department__code="SCJG").order_by("code").limit(8)
    base = {item.code: (await published_version(item)).content for item in items}
    codes = [item.code for item in items]

    def changed(code: str, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> Entry:
        return Entry(code, RequestKind.CHANGE, edit(dict(base[code])))

    def shorter(content: dict[str, Any]) -> dict[str, Any]:
        days = max(1, content["promised_limit_days"] - 2)
        extra = "申请人应如实提交有关材料，并对材料的真实性负责。"
        return content | {
            "promised_limit_days": min(days, content["statutory_limit_days"]),
            "conditions": [*content["conditions"], extra],
        }

    def with_keywords(content: dict[str, Any]) -> dict[str, Any]:
        # a term residents type for any item the hall handles end to end online
        return content | {"keywords": [*content["keywords"], "一网通办"]}

    def licence_material(content: dict[str, Any]) -> dict[str, Any]:
        material = {
            "name": "食品经营许可证",
            "form": "electronic",
            "originals": 0,
            "copies": 0,
            "required": False,
            "note": "已领取电子证照的，无需提交纸质证件",
            "license_type": "SPJY",
        }
        return content | {"materials": [*content["materials"], material]}

    # (entry, steps passed after submission, then: "return" / "withdraw" / None)
    plan: list[tuple[Callable[[], Entry], int, str | None]] = [
        (lambda: changed(codes[0], shorter), 1, "return"),
        (lambda: Entry(NEW_CODE, RequestKind.ADD, _new_item(dict(base[codes[1]]))), 0, None),
        (lambda: changed(codes[2], with_keywords), 1, None),
        (lambda: Entry(codes[3], RequestKind.CANCEL), 2, None),
        (lambda: changed(codes[4], licence_material), 3, None),
        (lambda: changed(codes[5], shorter), 4, None),
        (lambda: changed(codes[6], with_keywords), 5, None),
        (lambda: changed(codes[7], shorter), 0, "withdraw"),
    ]
    # a small test district may have fewer items than the plan: it gets the first requests
    plan = plan[: len(codes)]
    editor = staff["scjg002"]
    overdue: ItemRequest | None = None
    for make, passed, then in plan:
        entry = make()
        request = (
            await requests.submit(
                editor, [entry], basis=_BASIS, reason="根据上级目录调整同步更新。"
            )
        ).result
        for actor, action, opinion, basis in _WALK[:passed]:
            await requests.review(staff[actor], request.id, action, opinion=opinion, basis=basis)
        if then == "return":
            await requests.review(
                staff[_WALK[passed][0]],
                request.id,
                "return",
                opinion="承诺时限压缩幅度须附部门论证说明，请补充后重新提交。",
            )
        elif then == "withdraw":
            await requests.withdraw(editor, request.id, reason="与另一申请内容重复，撤回。")
        elif passed == 0 and entry.change is RequestKind.ADD:
            overdue = request
    if overdue is not None:  # submitted two weeks ago: past the five working days
        await WorkflowStep.filter(process="item_request", instance_id=overdue.id).update(
            at=overdue.created_at - timedelta(days=14)
        )
