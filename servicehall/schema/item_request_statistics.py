"""``itemRequestStatistics``: the registry's requests per department by state and the
average working days per step (ITEM-6).

Per-department request data is internal: the service lets administrators and the review
offices read it (anyone else: FORBIDDEN), so every type is per principal and never
shared through the response cache.
"""

from __future__ import annotations

from datetime import date

import strawberry

from servicehall.resolvers import item_request_statistics as resolvers
from servicehall.resolvers.enums import RequestKind, RequestState

# Imported for its registration of the request enums' GraphQL names (ItemRequestKind,
# ItemRequestState), which must come before these types use them.
from servicehall.schema import registry  # noqa: F401
from servicehall.schema.common import Labelled, labelled
from servicehall.schema.context import Info
from servicehall.schema.cost import list_size
from servicehall.schema.policy import Access, Domain, declare, root


@declare(Access.PER_PRINCIPAL, Domain.REGISTRY)
@strawberry.type(description="处于某一环节（或已办结、已撤回）的事项申请数。")
class ItemRequestStateCount:
    state: Labelled[RequestState]
    count: int


@declare(Access.PER_PRINCIPAL, Domain.REGISTRY)
@strawberry.type(description="事项申请在一个环节的平均停留时间（工作日）。")
class ItemRequestStepTime:
    step: Labelled[RequestState]
    stays: int = strawberry.field(
        description="已离开该环节的次数（退回后重新经过的环节再计一次）。"
    )
    average_days: float | None = strawberry.field(
        description="平均停留工作日数（两位小数）；尚无离开该环节的申请时为空。"
    )


def _states(counts: resolvers.RequestCounts) -> list[ItemRequestStateCount]:
    return [ItemRequestStateCount(state=labelled(s), count=n) for s, n in counts.states]


def _steps(counts: resolvers.RequestCounts) -> list[ItemRequestStepTime]:
    return [
        ItemRequestStepTime(
            step=labelled(t.step),
            stays=t.stays,
            average_days=None if t.average_days is None else float(t.average_days),
        )
        for t in counts.steps
    ]


@declare(Access.PER_PRINCIPAL, Domain.REGISTRY)
@strawberry.type(description="一个部门的事项申请统计。")
class DepartmentRequestStatistics:
    department_code: str
    department_name: str
    total: int
    states: list[ItemRequestStateCount] = strawberry.field(
        description="流程的每个环节（含已发布、已撤回），按流程顺序，无申请的为0。",
        metadata=list_size(len(resolvers.STATES)),
    )
    steps: list[ItemRequestStepTime] = strawberry.field(
        description="六个办理环节，按流程顺序。", metadata=list_size(len(resolvers.STEPS))
    )


@declare(Access.PER_PRINCIPAL, Domain.REGISTRY)
@strawberry.type(description="事项申请统计（ITEM-6）：各部门按环节计数及各环节平均用时。")
class ItemRequestStatistics:
    total: int = strawberry.field(description="符合筛选条件的申请数。")
    states: list[ItemRequestStateCount] = strawberry.field(
        description="全部部门合计，按流程顺序。", metadata=list_size(len(resolvers.STATES))
    )
    steps: list[ItemRequestStepTime] = strawberry.field(
        description="全部部门合计。", metadata=list_size(len(resolvers.STEPS))
    )
    departments: list[DepartmentRequestStatistics] = strawberry.field(
        description="有申请的部门，按部门顺序。",
        metadata=list_size(resolvers.MAX_DEPARTMENTS),
    )

    @classmethod
    def from_result(cls, result: resolvers.RequestStatistics) -> ItemRequestStatistics:
        return cls(
            total=result.overall.total,
            states=_states(result.overall),
            steps=_steps(result.overall),
            departments=[
                DepartmentRequestStatistics(
                    department_code=d.code,
                    department_name=d.name,
                    total=d.counts.total,
                    states=_states(d.counts),
                    steps=_steps(d.counts),
                )
                for d in result.departments
            ],
        )


@strawberry.input(description="统计哪些事项申请：不填即全部。")
class ItemRequestStatisticsFilter:
    departments: list[str] | None = strawberry.field(default=None, description="部门代码。")
    kinds: list[RequestKind] | None = None
    submitted_from: date | None = strawberry.field(default=None, description="提交日期（含）起。")
    submitted_to: date | None = strawberry.field(default=None, description="提交日期（含）止。")

    def to_filter(self) -> resolvers.RequestStatisticsFilter:
        return resolvers.RequestStatisticsFilter(
            departments=tuple(self.departments or ()),
            kinds=tuple(self.kinds or ()),
            submitted_from=self.submitted_from,
            submitted_to=self.submitted_to,
        )


@root(Access.PER_PRINCIPAL)
@strawberry.type
class ItemRequestStatisticsQuery:
    @strawberry.field(
        description=(
            "事项申请统计（ITEM-6）：各部门按环节的申请数和各环节平均用时（工作日）；"
            "仅审核机构工作人员和系统管理员可查看（其他人报 FORBIDDEN），"
            "部门代码不存在或日期范围颠倒时报 INVALID_INPUT。"
        )
    )
    async def item_request_statistics(
        self, info: Info, filter: ItemRequestStatisticsFilter | None = None
    ) -> ItemRequestStatistics:
        result = await resolvers.request_statistics(
            info.context.principal,
            filter.to_filter() if filter else None,
            calendar=info.context.calendar,
        )
        return ItemRequestStatistics.from_result(result)
