"""The service guide of an item (办事指南, ITEM-2): materials, fees, process steps."""

from __future__ import annotations

from typing import Self

import strawberry

from servicehall.loaders import Row
from servicehall.resolvers.enums import MaterialForm
from servicehall.schema.common import Labelled, labelled
from servicehall.schema.policy import Access, Domain, declare


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="申请材料。")
class Material:
    name: str
    form: Labelled[MaterialForm]
    originals: int = strawberry.field(description="原件份数。")
    copies: int = strawberry.field(description="复印件份数。")
    required: bool
    note: str | None
    license_type: str | None = strawberry.field(
        default=None, description="可替代该材料的电子证照类型（证照目录代码，ITEM-4）。"
    )


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="收费项目。")
class Fee:
    name: str
    standard: str = strawberry.field(description="收费标准，如“每件50元”。")
    basis: str = strawberry.field(description="收费依据。")


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="办理流程的一个环节。")
class ProcessStep:
    order: int
    name: str
    description: str


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="办事指南（ITEM-2）。")
class ServiceGuide:
    legal_basis: list[str] = strawberry.field(description="设定依据。")
    conditions: list[str] = strawberry.field(description="办理条件。")
    materials: list[Material]
    fees: list[Fee] = strawberry.field(description="收费项目；为空表示不收费。")
    process: list[ProcessStep]
    where_to_apply: str = strawberry.field(description="办理地点。")
    office_hours: str
    phone: str = strawberry.field(description="咨询电话。")
    result_delivery: str = strawberry.field(description="结果送达方式。")

    @strawberry.field(description="是否免费办理。")
    def is_free(self) -> bool:
        return not self.fees

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            legal_basis=list(row["legal_basis"]),
            conditions=list(row["conditions"]),
            materials=[
                Material(
                    name=m["name"],
                    form=labelled(MaterialForm(m["form"])),
                    originals=int(m.get("originals", 0)),
                    copies=int(m.get("copies", 0)),
                    required=bool(m.get("required", True)),
                    note=m.get("note") or None,
                    license_type=m.get("license_type") or None,
                )
                for m in row["materials"]
            ],
            fees=[
                Fee(name=f["name"], standard=f["standard"], basis=f["basis"]) for f in row["fees"]
            ],
            process=[
                ProcessStep(order=n, name=p["name"], description=p["description"])
                for n, p in enumerate(row["process"], start=1)
            ],
            where_to_apply=row["where_to_apply"],
            office_hours=row["office_hours"],
            phone=row["phone"],
            result_delivery=row["result_delivery"],
        )
