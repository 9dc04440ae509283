"""The one place the federation-2 subgraph schema is built."""

from __future__ import annotations

import inspect
from functools import partial

import strawberry
from strawberry import relay
from strawberry.extensions import MaskErrors, MaxTokensLimiter
from strawberry.relay.types import GlobalIDValueError
from strawberry.schema.config import StrawberryConfig

from servicehall import seams
from servicehall.errors import InvalidId
from servicehall.schema.case_mutations import CaseMutation, CaseSubscription
from servicehall.schema.cases import CaseQuery
from servicehall.schema.common import SCALAR_MAP
from servicehall.schema.context import Context, Info
from servicehall.schema.documents import DocumentCache, PreparedDocuments
from servicehall.schema.enterprise_mutations import EnterprisePageMutation
from servicehall.schema.enterprise_page import EnterprisePageQuery
from servicehall.schema.enterprises import EnterpriseQuery
from servicehall.schema.errors import INTERNAL_MESSAGE, is_unexpected
from servicehall.schema.execution import ExecutionContext
from servicehall.schema.federation import HallSchema
from servicehall.schema.feeds import FeedMutation
from servicehall.schema.identity import IdentityQuery
from servicehall.schema.identity_mutations import IdentityMutation
from servicehall.schema.inputs import InputGuard
from servicehall.schema.item_request_statistics import ItemRequestStatisticsQuery
from servicehall.schema.item_statistics import ItemStatisticsQuery
from servicehall.schema.items import ItemQuery
from servicehall.schema.kiosks import KioskMutation, KioskQuery
from servicehall.schema.license_catalog import LicenseCatalogQuery
from servicehall.schema.license_catalog_mutations import LicenseCatalogMutation
from servicehall.schema.license_grants import LicenseGrantMutation, LicenseGrantQuery
from servicehall.schema.license_mutations import LicenseMutation
from servicehall.schema.license_verification import LicenseVerificationQuery
from servicehall.schema.licenses import LicenseQuery
from servicehall.schema.notifications import NotificationMutation, NotificationQuery
from servicehall.schema.policy import Access, root
from servicehall.schema.ratings import RatingMutation, RatingQuery
from servicehall.schema.registry import RegistryQuery
from servicehall.schema.registry_mutations import RegistryMutation
from servicehall.schema.stations import StationQuery
from servicehall.settings import QueryLimits

__all__ = ["Context", "HallSchema", "Info", "Query", "build_schema"]


@root(Access.PUBLIC)
@strawberry.type(description="网上办事大厅的全部查询。")
class Query(
    ItemQuery,
    ItemStatisticsQuery,
    ItemRequestStatisticsQuery,
    EnterpriseQuery,
    EnterprisePageQuery,
    IdentityQuery,
    NotificationQuery,
    CaseQuery,
    RatingQuery,
    LicenseCatalogQuery,
    LicenseGrantQuery,
    LicenseQuery,
    LicenseVerificationQuery,
    StationQuery,
    KioskQuery,
    RegistryQuery,
):
    # A plain resolver rather than relay.node(): that field mutates itself when a schema is
    # built, so a process could build the schema only once.
    @strawberry.field(
        description="按全局 ID 取任一对象（Relay）；ID 格式有误报 INVALID_ID，对象不存在时为空。"
    )
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        try:
            global_id = relay.GlobalID.from_id(id)
        except GlobalIDValueError:
            raise InvalidId(f"全局 ID“{id[:40]}”格式不正确", field="id") from None
        definition = info.schema.get_type_by_name(global_id.type_name)
        origin = getattr(definition, "origin", None)
        if not (isinstance(origin, type) and issubclass(origin, relay.Node)):
            raise InvalidId(f"全局 ID“{id[:40]}”不指向任何对象类型", field="id")
        nodes = origin.resolve_nodes(info=info, node_ids=[global_id.node_id], required=False)
        if inspect.isawaitable(nodes):
            nodes = await nodes
        return next(iter(nodes), None)


@strawberry.type(description="实时推送（WebSocket，graphql-transport-ws）。")
class Subscription(CaseSubscription):
    pass


@strawberry.type(description="网上办事大厅的全部变更；可预期的失败在各自结果的 errors 中返回。")
class Mutation(
    IdentityMutation,
    EnterprisePageMutation,
    FeedMutation,
    NotificationMutation,
    CaseMutation,
    RatingMutation,
    LicenseCatalogMutation,
    LicenseGrantMutation,
    LicenseMutation,
    KioskMutation,
    RegistryMutation,
):
    pass


def build_schema(limits: QueryLimits) -> HallSchema:
    """The subgraph schema. HTTP requests run through ``servicehall.web.graphql``'s own
    pipeline; the extensions here give the WebSocket path the same documents cache, limits
    (depth, aliases, tokens, cost, characters: F1, F2, F9) and masking."""
    documents = DocumentCache(limits)
    schema = HallSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALAR_MAP),
        execution_context_class=ExecutionContext,
        # Factories, not instances: strawberry builds extensions per operation.
        extensions=[
            partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
            partial(PreparedDocuments, documents),
            InputGuard,  # after PreparedDocuments: variables are checked once it found nothing
            partial(MaskErrors, should_mask_error=is_unexpected, error_message=INTERNAL_MESSAGE),
        ],
    )
    documents.bind(seams.graphql_schema(schema))
    schema.documents = documents
    return schema
