"""LIC-1..4, ENT-14 through GraphQL: holders see their licences and who read them;
departments read with a basis and a reason, every read logged; machine clients act for
their department; ``License`` resolves through one statement; the whole flow from
catalogue to revocation; verification with nothing but joserfc over HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from servicehall.db import use_database
from servicehall.demo.accounts import LICENSE_STAFF
from servicehall.demo.enterprises import DEMO_CREDIT_CODE
from servicehall.models import AuditEvent, Case, CaseStage, License, LicenseAccess
from tests.auth.flows import (
    ADMIN,
    ENTERPRISE,
    PERSON,
    STAFF,
    bearer,
    machine_client,
    machine_token,
    tokens,
)
from tests.conftest import HallClient, LiveHall, StatementCounter, gql

STHJ, WJJ = LICENSE_STAFF
LICENSE_FIELDS = """licenseNumber formattedLicenseNumber name catalogCode catalogVersion
    holderKind { value } holderName holderCode status { value label } expiring validUntil
    fields { name label value } issuingDepartment { code } token keyId"""


async def _token(hall: HallClient, kind: str, account: Any) -> dict[str, str]:
    hall.cookies.clear()
    issued = await tokens(hall, kind=kind, identifier=account.login, password=account.password)
    return bearer(issued["access_token"])


async def _numbers(hall: HallClient, **filters: Any) -> list[str]:
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        rows = (
            await License.filter(**filters).order_by("id").values_list("license_number", flat=True)
        )
    return [str(n) for n in rows]


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


HOLDER = f"""{{ viewer {{ licenses {{ licenseNumber catalogCode status {{ value }} expiring }}
    enterprise {{ licenses {{ {LICENSE_FIELDS}
      accessLog {{ totalCount edges {{ node {{ reader departmentName caseNumber purpose
        basis {{ value label }} }} }} }} }} }} }} }}"""


async def test_holders_see_their_licences_and_who_read_them(hall: HallClient) -> None:
    """ENT-14, LIC-3: the enterprise page gathers the enterprise's licences with their
    status and access log; a person sees theirs; nobody else lists them."""
    enterprise = await _token(hall, "enterprise", ENTERPRISE)
    body = await gql(hall, HOLDER, headers=enterprise)
    assert "errors" not in body, body
    mine = body["data"]["viewer"]["enterprise"]["licenses"]
    by_status = {(lic["catalogCode"], lic["status"]["value"]) for lic in mine}
    assert by_status == {("SPJY", "VALID"), ("SPJY", "REVOKED"), ("PWXK", "VALID")}
    assert len(body["data"]["viewer"]["licenses"]) == 3
    pwxk = next(lic for lic in mine if lic["catalogCode"] == "PWXK")
    assert pwxk["expiring"] and pwxk["issuingDepartment"]["code"] == "STHJ"
    current = next(
        lic for lic in mine if lic["status"]["value"] == "VALID" and lic["catalogCode"] == "SPJY"
    )
    assert current["catalogVersion"] == 2 and current["name"] == "食品经营许可证"
    assert {"label": "食品安全管理员", "name": "foodSafetyOfficer", "value": "甘志华"} in current[
        "fields"
    ]
    assert current["formattedLicenseNumber"].startswith("SPJY-440403-")
    log = current["accessLog"]["edges"]
    assert any(
        e["node"]["reader"] == "林嘉欣"
        and e["node"]["departmentName"] == "珠海市斗门区卫生健康局"
        and e["node"]["basis"] == {"value": "GRANT", "label": "授权查阅"}
        for e in log
    )

    person = await _token(hall, "person", PERSON)
    body = await gql(hall, HOLDER, headers=person)
    assert body["data"]["viewer"]["enterprise"] is None
    assert [lic["catalogCode"] for lic in body["data"]["viewer"]["licenses"]] == ["CYJK"]
    other = await gql(
        hall,
        "query($c: String!) { enterprise(creditCode: $c) { name licenses { licenseNumber } } }",
        {"c": DEMO_CREDIT_CODE},
        headers=person,
    )
    assert other["data"]["enterprise"]["licenses"] is None and _codes(other) == ["FORBIDDEN"]
    someone_elses = (
        await _numbers(hall, holder_code__not=DEMO_CREDIT_CODE, holder_kind="enterprise")
    )[0]
    query = "query($n: String!) { license(licenseNumber: $n) { licenseNumber } }"
    # F11: someone else's licence answers as a missing one does
    assert await gql(hall, query, {"n": someone_elses}, headers=enterprise) == {
        "data": {"license": None}
    }
    assert _codes(await gql(hall, query, {"n": someone_elses})) == ["UNAUTHENTICATED"]
    assert _codes(await gql(hall, query, {"n": "SPJY-440403-2026-000001-0"})) == [
        "INVALID_LICENSE_NUMBER"
    ]


READ = """query($n: String!, $purpose: String, $case: String) {
  license(licenseNumber: $n, purpose: $purpose, caseNumber: $case) {
    licenseNumber holderName status { value } accessLog { totalCount } } }"""


async def test_department_reads_need_a_basis_and_a_reason_and_are_logged(
    hall: HallClient,
) -> None:
    """LIC-2, LIC-3, SEC-2: the granted health bureau reads 食品经营许可证 with a reason,
    not 排污许可证; the issuing bureau reads its own; each read is in the holder's access
    log and the audit log; the access log itself is the holder's alone."""
    food = (await _numbers(hall, holder_code=DEMO_CREDIT_CODE, status="valid", entry__code="SPJY"))[
        0
    ]
    discharge = (await _numbers(hall, holder_code=DEMO_CREDIT_CODE, entry__code="PWXK"))[0]
    wjj = await _token(hall, "staff", WJJ)

    no_reason = await gql(hall, READ, {"n": food}, headers=wjj)
    assert _codes(no_reason) == ["PURPOSE_REQUIRED"] and no_reason["data"]["license"] is None
    purpose = "餐饮从业人员健康检查核对许可信息"
    read = await gql(hall, READ, {"n": food, "purpose": purpose}, headers=wjj)
    assert read["data"]["license"]["holderName"] == "珠海市斗门区恒信食品有限公司"
    assert read["data"]["license"]["accessLog"] is None and _codes(read) == ["FORBIDDEN"]
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        refusal = await AuditEvent.get(action="read.refused", target=f"license:{food}")
    assert refusal.details == {"field": "License.accessLog"}  # F16, SEC-2
    refused = await gql(hall, READ, {"n": discharge, "purpose": purpose}, headers=wjj)
    assert refused == {"data": {"license": None}}  # F11: as if it did not exist
    listed = await gql(
        hall,
        """query($c: String!, $p: String) { holderLicenses(holderCode: $c, purpose: $p) {
            catalogCode status { value } } }""",
        {"c": DEMO_CREDIT_CODE, "p": purpose},
        headers=wjj,
    )
    assert {lic["catalogCode"] for lic in listed["data"]["holderLicenses"]} == {"SPJY"}
    assert len(listed["data"]["holderLicenses"]) == 2  # the valid and the revoked one

    sthj = await _token(hall, "staff", STHJ)
    own = await gql(hall, READ, {"n": discharge, "purpose": "排污许可证延续审查"}, headers=sthj)
    assert own["data"]["license"]["status"]["value"] == "VALID"
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        foreign_case = await Case.filter(department__code__not="WJJ").first()
    assert foreign_case is not None  # a case of another department is no reason for WJJ
    wrong_case = await gql(hall, READ, {"n": food, "case": foreign_case.case_number}, headers=wjj)
    assert wrong_case == {"data": {"license": None}}

    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        reads = await LicenseAccess.filter(license__license_number=food, purpose=purpose)
        audit = await AuditEvent.filter(action="license.read", target=f"license:{food}")
    assert len(reads) == 2 and {r.department_code for r in reads} == {"WJJ"}
    assert {r.actor_name for r in reads} == {"林嘉欣"} and all(r.basis == "grant" for r in reads)
    assert len(audit) == 2 and all(a.details["purpose"] == purpose for a in audit)

    enterprise = await _token(hall, "enterprise", ENTERPRISE)
    shown = await gql(
        hall,
        """query($n: String!) { license(licenseNumber: $n) { accessLog(first: 10) {
            totalCount edges { node { reader purpose at } } } } }""",
        {"n": food},
        headers=enterprise,
    )
    log = shown["data"]["license"]["accessLog"]
    assert [e["node"]["purpose"] for e in log["edges"]][:2] == [purpose, purpose]  # newest first
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        assert log["totalCount"] == await LicenseAccess.filter(license__license_number=food).count()


GRANTS = """{ licenseGrants(statuses: [REQUESTED]) { edges { node { id department { code }
    catalogEntry { code } } } } }"""
DECIDE = """mutation($id: ID!) { decideLicenseGrant(input: {grantId: $id, approve: true,
    note: "同意，用于环境保护税征管"}) { errors { code } grant { status { value } } } }"""


async def test_machine_clients_read_for_their_department_once_granted(hall: HallClient) -> None:
    """LIC-2: a department system with ``licenses:read`` reads only what its department
    was granted; the grant decided by an administrator opens it at once."""
    await machine_client(hall, "swj-licenses", scopes=("licenses:read",))
    await machine_client(hall, "swj-tax", scopes=("ingest:tax",))
    machine = bearer(await machine_token(hall, "swj-licenses", "licenses:read"))
    unscoped = bearer(await machine_token(hall, "swj-tax", "ingest:tax"))
    discharge = (await _numbers(hall, holder_code=DEMO_CREDIT_CODE, entry__code="PWXK"))[0]
    variables = {"n": discharge, "purpose": "环境保护税申报核对"}
    assert await gql(hall, READ, variables, headers=machine) == {"data": {"license": None}}
    assert await gql(hall, READ, variables, headers=unscoped) == {"data": {"license": None}}

    admin = await _token(hall, "staff", ADMIN)
    pending = (await gql(hall, GRANTS, headers=admin))["data"]["licenseGrants"]["edges"]
    swj = next(e["node"] for e in pending if e["node"]["department"]["code"] == "SWJ")
    assert swj["catalogEntry"]["code"] == "PWXK"
    decided = await gql(hall, DECIDE, {"id": swj["id"]}, headers=admin)
    assert decided["data"]["decideLicenseGrant"] == {
        "errors": [],
        "grant": {"status": {"value": "GRANTED"}},
    }
    again = await gql(hall, DECIDE, {"id": swj["id"]}, headers=admin)
    assert again["data"]["decideLicenseGrant"]["errors"] == [{"code": "ILLEGAL_TRANSITION"}]

    read = await gql(hall, READ, variables, headers=machine)
    assert read["data"]["license"]["licenseNumber"] == discharge, read
    assert await gql(hall, READ, variables, headers=unscoped) == {"data": {"license": None}}
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        logged = await LicenseAccess.get(license__license_number=discharge, department_code="SWJ")
    assert logged.actor == "machine:swj-licenses" and logged.actor_name == "区税务局征管系统"
    assert logged.basis == "grant" and logged.purpose == "环境保护税申报核对"


ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
    ... on License { licenseNumber status { value } } } }"""


async def test_licence_entities_resolve_in_a_constant_number_of_statements(
    hall: HallClient, sql_counter: StatementCounter
) -> None:
    """LIC-3: ``License`` is a federation entity keyed by licenseNumber; the holder's N
    representations take one statement, a department's a constant few (grants, names,
    the logged read), whatever N; the reason travels in the request's headers."""
    enterprise = await _token(hall, "enterprise", ENTERPRISE)
    mine = await _numbers(hall, holder_code=DEMO_CREDIT_CODE)
    assert len(mine) == 3
    await gql(hall, "{ viewer { account { displayName } } }", headers=enterprise)  # warm keys
    counts = []
    for numbers in (mine[:1], mine):
        sql_counter.reset()
        reps = [{"__typename": "License", "licenseNumber": n} for n in numbers]
        body = await gql(hall, ENTITIES, {"r": reps}, headers=enterprise)
        assert [e["licenseNumber"] for e in body["data"]["_entities"]] == numbers, body
        counts.append(sql_counter.count)
    assert counts == [1, 1], sql_counter.statements

    wjj = await _token(hall, "staff", WJJ)
    food = await _numbers(hall, entry__code="SPJY")
    assert len(food) == 3
    purpose = {"x-access-purpose": quote("联邦查询：餐饮许可核对")}
    reps = [{"__typename": "License", "licenseNumber": n} for n in food]
    assert _codes(await gql(hall, ENTITIES, {"r": reps[:1]}, headers=wjj)) == ["PURPOSE_REQUIRED"]
    broken = wjj | {"x-access-purpose": "%E9%A4"}  # not UTF-8 once decoded
    assert _codes(await gql(hall, ENTITIES, {"r": reps[:1]}, headers=broken)) == ["INVALID_INPUT"]
    counts = []
    for some in (reps[:1], reps):
        sql_counter.reset()
        body = await gql(hall, ENTITIES, {"r": some}, headers=wjj | purpose)
        assert "errors" not in body and len(body["data"]["_entities"]) == len(some)
        counts.append(sql_counter.count)
    assert counts[0] == counts[1] <= 6, sql_counter.statements
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        logged = await LicenseAccess.filter(purpose="联邦查询：餐饮许可核对").count()
    assert logged == 4


CREATE = """mutation($input: CreateLicenseCatalogEntryInput!) {
  createLicenseCatalogEntry(input: $input) {
    errors { code field } entry { code state { value label } } } }"""
NEW_ENTRY = {
    "code": "GGCS",
    "name": "公共场所卫生许可证",
    "holderKind": "ENTERPRISE",
    "fields": [
        {"name": "premises", "label": "经营场所", "type": "TEXT"},
        {"name": "seats", "label": "座位数", "type": "INTEGER", "required": False},
    ],
    "validity": {"rule": "FIXED_TERM", "termMonths": 48},
    "reason": "新增编目",
}


def _step(mutation: str) -> str:
    return (
        "mutation($code: String!, $reason: String!) {"
        f" {mutation}(input: {{code: $code, reason: $reason}})"
        " { errors { code field } entry { state { value } } } }"
    )


ISSUE = """mutation($holder: String!, $fields: [LicenseFieldValueInput!]!) {
  issueLicense(input: {catalogCode: "GGCS", holderCode: $holder, fields: $fields}) {
    errors { code field }
    license { licenseNumber status { value } token fields { name value } } } }"""


async def test_from_catalogue_to_revocation_through_graphql(hall: HallClient) -> None:
    """LIC-1, LIC-3, LIC-4, ENT-14: draft, register, review, issue (a bad issue first:
    typed, nothing written), attach to a case, read for the case, revoke, verify."""
    scjg = await _token(hall, "staff", STAFF)
    admin = await _token(hall, "staff", ADMIN)
    enterprise = await _token(hall, "enterprise", ENTERPRISE)
    created = await gql(hall, CREATE, {"input": NEW_ENTRY}, headers=scjg)
    assert created["data"]["createLicenseCatalogEntry"] == {
        "errors": [],
        "entry": {"code": "GGCS", "state": {"value": "DRAFT", "label": "编目"}},
    }
    registered = await gql(
        hall,
        _step("registerLicenseCatalogEntry"),
        {"code": "GGCS", "reason": "提交审核"},
        headers=scjg,
    )
    assert (
        registered["data"]["registerLicenseCatalogEntry"]["entry"]["state"]["value"] == "REGISTERED"
    )
    not_yours = await gql(
        hall,
        """mutation { reviewLicenseCatalogEntry(input: {code: "GGCS", approve: true,
            reason: "自审"}) { errors { code } entry { code } } }""",
        headers=scjg,
    )
    assert not_yours["data"]["reviewLicenseCatalogEntry"] == {
        "errors": [{"code": "FORBIDDEN"}],
        "entry": None,
    }
    reviewed = await gql(
        hall,
        """mutation { reviewLicenseCatalogEntry(input: {code: "GGCS", approve: true,
            reason: "审核通过"}) { errors { code } entry { state { value } nextStates { value }
            history { fromState { value } toState { value } actorName reason } } } }""",
        headers=admin,
    )
    entry = reviewed["data"]["reviewLicenseCatalogEntry"]["entry"]
    assert entry["state"]["value"] == "PUBLISHED"
    assert {s["value"] for s in entry["nextStates"]} == {"CHANGED", "ABOLISHED"}
    assert [h["actorName"] for h in entry["history"]] == ["黄伟", "黄伟", "系统管理员"]

    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        before = await License.all().count()
    bad = await gql(
        hall,
        ISSUE,
        {"holder": DEMO_CREDIT_CODE, "fields": [{"name": "seats", "value": "很多"}]},
        headers=scjg,
    )
    assert bad["data"]["issueLicense"] == {
        "errors": [{"code": "INVALID_INPUT", "field": "fields.premises"}],
        "license": None,
    }
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        assert await License.all().count() == before
    issued = await gql(
        hall,
        ISSUE,
        {
            "holder": DEMO_CREDIT_CODE,
            "fields": [
                {"name": "premises", "value": "白蕉镇白藤二路66号"},
                {"name": "seats", "value": "080"},
            ],
        },
        headers=scjg,
    )
    licence = issued["data"]["issueLicense"]["license"]
    assert licence["status"]["value"] == "VALID"
    assert licence["fields"] == [
        {"name": "premises", "value": "白蕉镇白藤二路66号"},
        {"name": "seats", "value": "80"},
    ]
    number = licence["licenseNumber"]
    changed = await gql(
        hall,
        """mutation { changeLicenseCatalogEntry(input: {code: "GGCS", reason: "增加卫生等级",
            fields: [{name: "premises", label: "经营场所", type: TEXT},
                     {name: "grade", label: "卫生等级", type: CHOICE, options: ["A", "B"]}]})
          { errors { code } entry { version versions { version fields { name } } } } }""",
        headers=admin,
    )
    versions = changed["data"]["changeLicenseCatalogEntry"]["entry"]
    assert versions["version"] == 2
    assert [[f["name"] for f in v["fields"]] for v in versions["versions"]] == [
        ["premises", "seats"],
        ["premises", "grade"],
    ]

    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        case = await Case.filter(
            applicant_code=DEMO_CREDIT_CODE,
            stage__in=[CaseStage.ACCEPTED, CaseStage.PROCESSING, CaseStage.SUBMITTED],
            department__code="SCJG",
        ).first()
    assert case is not None
    attach = """mutation($c: String!, $n: String!) { attachLicenseToCase(input: {caseNumber: $c,
        licenseNumber: $n}) { errors { code } case { caseNumber licenses { licenseNumber } }
        license { licenseNumber } } }"""
    attached = await gql(hall, attach, {"c": case.case_number, "n": number}, headers=enterprise)
    result = attached["data"]["attachLicenseToCase"]
    kept = await gql(
        hall,
        "query($n: String!) { license(licenseNumber: $n) { catalogVersion fields { name } } }",
        {"n": number},
        headers=enterprise,
    )
    assert kept["data"]["license"] == {  # issued under version 1, it keeps version 1
        "catalogVersion": 1,
        "fields": [{"name": "premises"}, {"name": "seats"}],
    }
    assert result["errors"] == [] and {"licenseNumber": number} in result["case"]["licenses"]
    stranger = await _token(hall, "person", PERSON)
    refused = await gql(hall, attach, {"c": case.case_number, "n": number}, headers=stranger)
    assert refused["data"]["attachLicenseToCase"]["errors"] == [{"code": "FORBIDDEN"}]

    seen = await gql(
        hall,
        "query($c: String!) { case(caseNumber: $c) { licenses { licenseNumber } } }",
        {"c": case.case_number},
        headers=scjg,
    )
    assert {"licenseNumber": number} in seen["data"]["case"]["licenses"]
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        read = await LicenseAccess.get(license__license_number=number)
    assert read.case_number == case.case_number and read.department_code == "SCJG"

    revoke = """mutation($n: String!) {
      revokeLicense(input: {licenseNumber: $n, reason: "场所不再符合卫生要求"}) {
        errors { code } license { status { value } revokeReason } } }"""
    revoked = await gql(hall, revoke, {"n": number}, headers=scjg)
    assert revoked["data"]["revokeLicense"]["license"] == {
        "status": {"value": "REVOKED"},
        "revokeReason": "场所不再符合卫生要求",
    }
    twice = await gql(hall, revoke, {"n": number}, headers=scjg)
    assert twice["data"]["revokeLicense"] == {
        "errors": [{"code": "LICENSE_REVOKED"}],
        "license": None,
    }
    verified = await gql(
        hall,
        """query($t: String!) { verifyLicense(token: $t) {
            valid failedCheck { value label } status { value }
            checks { check { value } outcome { value } } data { holderName } } }""",
        {"t": licence["token"]},
    )
    answer = verified["data"]["verifyLicense"]
    assert answer["valid"] is False and answer["failedCheck"] == {
        "value": "STATUS",
        "label": "证照状态",
    }
    assert answer["status"] == {"value": "REVOKED"}
    assert answer["data"]["holderName"] == "珠海市斗门区恒信食品有限公司"
    abolish = await gql(
        hall,
        _step("abolishLicenseCatalogEntry"),
        {"code": "GGCS", "reason": "停止签发"},
        headers=admin,
    )
    assert abolish["data"]["abolishLicenseCatalogEntry"]["entry"]["state"]["value"] == "ABOLISHED"
    again = await gql(
        hall, _step("abolishLicenseCatalogEntry"), {"code": "GGCS", "reason": "再次"}, headers=admin
    )
    assert again["data"]["abolishLicenseCatalogEntry"] == {
        "errors": [{"code": "ILLEGAL_TRANSITION", "field": "code"}],
        "entry": None,
    }


async def test_verification_with_nothing_but_joserfc_over_http(live_hall: LiveHall) -> None:
    """LIC-4: a verifier fetches the published key set over HTTP and checks a licence's
    token with joserfc alone; one changed character and the signature fails. The hall's
    own verification agrees."""
    with use_database(live_hall.app.state.runtime.db):
        token = (await License.filter(status="valid", entry__code="SPJY").first()).token  # type: ignore[union-attr]
    async with httpx.AsyncClient(base_url=live_hall.url) as http:
        response = await http.get("/.well-known/license-keys.json")
        assert response.status_code == 200 and "public" in response.headers["cache-control"]
        key_set = KeySet.import_key_set(response.json())
        payload = jws.deserialize_compact(token, key_set, algorithms=["Ed25519"]).payload
        assert b'"catalogCode":"SPJY"' in payload
        head, body, signature = token.split(".")
        i = len(body) // 3
        changed = f"{head}.{body[:i]}{'B' if body[i] == 'A' else 'A'}{body[i + 1 :]}.{signature}"
        with pytest.raises(BadSignatureError):
            jws.deserialize_compact(changed, key_set, algorithms=["Ed25519"])

        query = "query($t: String!) { verifyLicense(token: $t) { valid failedCheck { value } } }"
        for candidate, expected in ((token, None), (changed, {"value": "SIGNATURE"})):
            answer = (
                await http.post("/graphql", json={"query": query, "variables": {"t": candidate}})
            ).json()
            assert answer["data"]["verifyLicense"]["failedCheck"] == expected
            assert answer["data"]["verifyLicense"]["valid"] is (expected is None)
