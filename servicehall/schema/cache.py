"""Which operations' responses may be cached and shared, decided from the document alone.

A query is *public-cacheable* when every field it selects is public: no permission class
guards it and it is not listed in :data:`PRIVATE_FIELDS`. Its cached response is keyed by
the generations of the data *domains* its types read (see ``servicehall.changes``), so a
committed write makes every affected entry unreachable at once. A type the table below
does not know makes the operation uncacheable: forgetting a new type costs speed, never
correctness.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLAbstractType,
    GraphQLNamedType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    is_abstract_type,
    visit,
)

from servicehall.changes import ENTITY_DOMAINS

NEUTRAL = ""

#: The data domain each object type reads ("" = carries no stored data of its own): every
#: entity type's own domain, plus the types that only present an entity's data.
TYPE_DOMAINS: dict[str, str] = {
    **ENTITY_DOMAINS,
    "Query": NEUTRAL,
    "PageInfo": NEUTRAL,
    "CategoryTab": NEUTRAL,
    "_Service": NEUTRAL,
    "ServiceItemConnection": "catalogue",
    "ServiceItemEdge": "catalogue",
    "ServiceItemFacets": "catalogue",
    "FacetValue": "catalogue",
    "ServiceGuide": "catalogue",
    "Material": "catalogue",
    "Fee": "catalogue",
    "ProcessStep": "catalogue",
    "AnnouncementConnection": "portal",
    "AnnouncementEdge": "portal",
    "GovernmentInformationConnection": "information",
    "GovernmentInformationEdge": "information",
    "Qualification": "enterprise",
    "CreditRecord": "enterprise",
    "CreditRecordConnection": "enterprise",
    "CreditRecordEdge": "enterprise",
    "RelatedEnterprise": "enterprise",
    "RatingSummary": "ratings",
    "LevelCount": "ratings",
    "RatingComment": "ratings",
    "RatingCommentConnection": "ratings",
    "RatingCommentEdge": "ratings",
    "GeoPoint": "stations",
    # counts and pages of a station's items also change with the items' status
    "CategoryCount": "catalogue",
    "StationItemConnection": "catalogue",
    "StationItemEdge": "catalogue",
}

#: Fields whose answer depends on who asks even though no permission class guards them.
PRIVATE_FIELDS: frozenset[tuple[str, str]] = frozenset(
    {
        ("Query", "viewer"),
        # rate limited per IP and device: a cached answer would skip the limit
        ("Query", "caseProgress"),
        # answers depend on who asks (checked inside the resolvers)
        ("Query", "case"),
        ("Query", "caseWorklist"),
        ("Query", "followUps"),
        # e-licences: drafts show to their department only, licences to their holder or
        # a reader whose every read is logged, verification must show revocation at once
        ("Query", "licenseCatalog"),
        ("Query", "licenseCatalogEntry"),
        ("Query", "licenseGrants"),
        ("Query", "license"),
        ("Query", "holderLicenses"),
        ("Query", "verifyLicense"),
    }
)
#: Types whose every read depends on who asks (and may be logged), wherever they appear:
#: ``_entities`` can reach them without a root field.
PRIVATE_TYPES: frozenset[str] = frozenset(
    {"License", "LicenseGrant", "LicenseAccessRecord", "LicenseCatalogEntry"}
)


@dataclass(frozen=True, slots=True)
class CacheDecision:
    cacheable: bool
    domains: tuple[str, ...] = ()


UNCACHEABLE = CacheDecision(False)


def _domain(type_: GraphQLNamedType) -> str | None:
    if type_.name.endswith("Labelled"):
        return NEUTRAL
    return TYPE_DOMAINS.get(type_.name)


def decide(schema: GraphQLSchema, document: DocumentNode) -> CacheDecision:
    """Whether the document's queries may share cached responses, and on which domains."""
    if any(
        isinstance(d, OperationDefinitionNode) and d.operation is not OperationType.QUERY
        for d in document.definitions
    ):
        return UNCACHEABLE
    domains: set[str] = set()
    cacheable = True
    type_info = TypeInfo(schema)

    class Collect(Visitor):
        def enter_field(self, node: FieldNode, *_: object) -> None:
            nonlocal cacheable
            parent = type_info.get_parent_type()
            field = type_info.get_field_def()
            if parent is None or field is None:
                cacheable = False
                return
            if node.name.value.startswith("__"):
                return
            definition = field.extensions.get("strawberry-definition")
            if (
                getattr(definition, "permission_classes", None)
                or (parent.name, node.name.value) in PRIVATE_FIELDS
                or parent.name in PRIVATE_TYPES
            ):
                cacheable = False
            for type_ in _concrete(schema, parent) + _concrete(schema, get_named_type(field.type)):
                domain = _domain(type_)
                if domain is None:
                    if not _is_leaf(type_):
                        cacheable = False
                elif domain:
                    domains.add(domain)

    visit(document, TypeInfoVisitor(type_info, Collect()))
    return CacheDecision(True, tuple(sorted(domains))) if cacheable else UNCACHEABLE


def _concrete(schema: GraphQLSchema, type_: GraphQLNamedType) -> list[GraphQLNamedType]:
    if is_abstract_type(type_):
        assert isinstance(type_, GraphQLAbstractType)
        return list(schema.get_possible_types(type_))
    return [type_]


def _is_leaf(type_: GraphQLNamedType) -> bool:
    return not hasattr(type_, "fields")
