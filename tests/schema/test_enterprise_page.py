"""ENT-4..12 through GraphQL: the enterprise page drawn from one query, who may see what,
the audit of tax and insurance reads, subscriptions, mailbox and reminders."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from servicehall.clock import local_today
from servicehall.db import use_database
from servicehall.demo.enterprises import DEMO_CREDIT_CODE, generate_enterprises
from servicehall.models import AuditEvent, CreditRecord, Enterprise, TaxRecord, TaxType
from tests.auth.flows import ADMIN, PERSON, STAFF, bearer, tokens
from tests.conftest import HallClient, StatementCounter, gql

PAGE = (Path(__file__).resolve().parents[2] / "examples" / "enterprise-page.graphql").read_text(
    encoding="utf-8"
)


async def _enterprise_token(hall: HallClient) -> dict[str, str]:
    return bearer((await tokens(hall))["access_token"])


async def _token(hall: HallClient, kind: str, account: Any) -> dict[str, str]:
    issued = await tokens(hall, kind=kind, identifier=account.login, password=account.password)
    return bearer(issued["access_token"])


async def _page(hall: HallClient, headers: dict[str, str], year: int) -> dict[str, Any]:
    body = await gql(hall, PAGE, {"year": year}, headers=headers)
    assert "errors" not in body, body
    page: dict[str, Any] = body["data"]["viewer"]["enterprise"]
    return page


async def test_the_whole_page_in_a_constant_number_of_statements(
    hall: HallClient, sql_counter: StatementCounter
) -> None:
    """ENT-4..12: every section of the demo enterprise is filled, from ≤ 8 statements,
    and the count does not grow with the rows."""
    headers = await _enterprise_token(hall)
    last_year = local_today().year - 1
    sql_counter.reset()
    page = await _page(hall, headers, last_year)
    first = sql_counter.count
    assert first <= 8, sql_counter.statements
    assert page["creditCode"] == DEMO_CREDIT_CODE
    assert page["qualifications"] and page["creditRecords"]["totalCount"] >= 2
    assert len(page["taxYear"]["months"]) == 12 and page["taxYear"]["total"] != "0.00"
    assert len(page["insuranceYear"]["months"]) == 12
    assert page["subscriptions"] and page["reminders"] and page["unreadCount"] > 0

    with use_database(hall.runtime.db):
        enterprise = await Enterprise.get(credit_code=DEMO_CREDIT_CODE)
        await CreditRecord.bulk_create(
            [
                CreditRecord(
                    enterprise=enterprise,
                    kind="reward",
                    decision_number=f"斗信〔{last_year}〕{900 + n}号",
                    content="测试激励",
                    reason="测试",
                    issuer="测试单位",
                    published_on=local_today(),
                )
                for n in range(25)
            ]
        )
        await TaxRecord.bulk_create(
            [
                TaxRecord(
                    enterprise=enterprise,
                    voucher_number=f"9{last_year}{n:06d}",
                    tax_type=TaxType.STAMP,
                    year=last_year,
                    month=n % 12 + 1,
                    amount=Decimal("1.00"),
                    period_start=local_today().replace(year=last_year, month=1, day=1),
                    period_end=local_today().replace(year=last_year, month=12, day=31),
                    authority="国家税务总局珠海市斗门区税务局",
                )
                for n in range(60)
            ]
        )
    sql_counter.reset()
    grown = await _page(hall, headers, last_year)
    assert sql_counter.count == first, sql_counter.statements
    assert grown["creditRecords"]["totalCount"] == page["creditRecords"]["totalCount"] + 25


async def test_tax_year_has_twelve_months_in_decimal_strings(hall: HallClient) -> None:
    """ENT-6: a month with nothing paid appears with 0; money is a string, never a float."""
    page = await _page(hall, await _enterprise_token(hall), local_today().year - 1)
    months = page["taxYear"]["months"]
    assert [m["month"] for m in months] == list(range(1, 13))
    quiet = [m for m in months if not m["lines"]]
    assert quiet and all(m["total"] == "0.00" for m in quiet)  # February of the demo
    for month in months:
        assert isinstance(month["total"], str)
        assert Decimal(month["total"]) == sum(
            (Decimal(x["amount"]) for x in month["lines"]), Decimal(0)
        )
    assert Decimal(page["taxYear"]["total"]) == sum(Decimal(m["total"]) for m in months)
    labels = {line["taxType"]["label"] for m in months for line in m["lines"]}
    assert {"增值税", "城市维护建设税", "教育费附加", "企业所得税"} <= labels
    line = months[2]["lines"][0]
    assert line["periodStart"] <= line["periodEnd"] and line["authority"].endswith("税务局")


async def test_insurance_year_by_type(hall: HallClient) -> None:
    """ENT-7: per month the insured head count and the five insurance types."""
    page = await _page(hall, await _enterprise_token(hall), local_today().year - 1)
    year = page["insuranceYear"]
    for month in year["months"]:
        assert [line["insuranceType"]["value"] for line in month["lines"]] == [
            "PENSION",
            "MEDICAL",
            "UNEMPLOYMENT",
            "WORK_INJURY",
            "MATERNITY",
        ]
        assert month["insuredCount"] == month["lines"][0]["insuredCount"] > 0
        assert Decimal(month["total"]) == sum(Decimal(x["amount"]) for x in month["lines"])
    empty = await _page(hall, await _enterprise_token(hall), 2001)
    assert len(empty["insuranceYear"]["months"]) == 12
    assert empty["insuranceYear"]["total"] == "0.00"


async def test_qualification_status_and_credit_publication(hall: HallClient) -> None:
    """ENT-4 status labels; ENT-5 newest first, only while published, paginated."""
    page = await _page(hall, await _enterprise_token(hall), local_today().year)
    statuses = {q["name"]: q["status"] for q in page["qualifications"]}
    assert statuses["食品生产许可证"] == {"value": "EXPIRING", "label": "即将到期"}
    credit = page["creditRecords"]
    kinds = {e["node"]["kind"]["label"] for e in credit["edges"]}
    assert kinds == {"守信激励", "失信惩戒"}
    assert credit["totalCount"] == 2  # the penalty whose publication ended is not shown
    dates = [e["node"]["publishedOn"] for e in credit["edges"]]
    assert dates == sorted(dates, reverse=True)

    query = """query($c: String!, $after: String) { enterprise(creditCode: $c) {
        creditRecords(first: 1, after: $after) {
          totalCount pageInfo { hasNextPage } edges { cursor node { decisionNumber } } } } }"""
    first = (await gql(hall, query, {"c": DEMO_CREDIT_CODE}))["data"]["enterprise"]
    assert first["creditRecords"]["pageInfo"]["hasNextPage"] is True
    cursor = first["creditRecords"]["edges"][0]["cursor"]
    second = (await gql(hall, query, {"c": DEMO_CREDIT_CODE, "after": cursor}))["data"]
    records = second["enterprise"]["creditRecords"]
    assert records["pageInfo"]["hasNextPage"] is False
    assert (
        records["edges"][0]["node"]["decisionNumber"]
        == credit["edges"][1]["node"]["decisionNumber"]
    )
    bad = await gql(hall, query, {"c": DEMO_CREDIT_CODE, "after": "not-a-cursor"})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


PRIVATE = """query($c: String!, $y: Int!) { enterprise(creditCode: $c) {
    name creditRecords { totalCount } taxYear(year: $y) { total } } }"""


async def test_private_sections_are_forbidden_to_others(hall: HallClient) -> None:
    """Tax and insurance are the enterprise's own: anyone else gets FORBIDDEN, public
    fields still arrive."""
    other = generate_enterprises(6)[1].credit_code
    year = local_today().year - 1
    cases = [
        ({}, DEMO_CREDIT_CODE),  # anonymous
        (await _enterprise_token(hall), other),  # another enterprise's page
    ]
    hall.cookies.clear()
    cases.append((await _token(hall, "person", PERSON), DEMO_CREDIT_CODE))
    hall.cookies.clear()
    cases.append((await _token(hall, "staff", ADMIN), DEMO_CREDIT_CODE))  # no reader role
    for headers, code in cases:
        body = await gql(hall, PRIVATE, {"c": code, "y": year}, headers=headers)
        assert body["data"]["enterprise"]["name"], body
        assert body["data"]["enterprise"]["taxYear"] is None
        error = body["errors"][0]
        assert error["extensions"]["code"] == "FORBIDDEN" and error["path"][-1] == "taxYear"
    with use_database(hall.runtime.db):
        assert not await AuditEvent.filter(action="tax.read").exists()


async def test_staff_reader_may_read_and_every_read_is_audited(hall: HallClient) -> None:
    """A staff member with the enterprise-data-reader role reads another enterprise's tax
    and insurance; each read is written to the audit log with the reader."""
    staff = await _token(hall, "staff", STAFF)
    other = generate_enterprises(6)[2].credit_code
    year = local_today().year - 1
    query = """query($c: String!, $y: Int!) { enterprise(creditCode: $c) {
        taxYear(year: $y) { year } insuranceYear(year: $y) { year } } }"""
    body = await gql(hall, query, {"c": other, "y": year}, headers=staff)
    assert body["data"]["enterprise"] == {
        "taxYear": {"year": year},
        "insuranceYear": {"year": year},
    }
    with use_database(hall.runtime.db):
        events = await AuditEvent.filter(target=f"enterprise:{other}").order_by("action")
        subject = (await gql(hall, "{ viewer { account { subject } } }", headers=staff))["data"]
    assert [e.action for e in events] == ["insurance.read", "tax.read"]
    assert {e.actor for e in events} == {f"staff:{subject['viewer']['account']['subject']}"}
    assert all(e.details["year"] == year for e in events)


async def test_related_enterprises_ranked_by_shared_divisions(demo_client: HallClient) -> None:
    """ENT-10: neighbours sharing industry divisions, most shared first, public fields only."""
    query = """query($c: String!) { enterprise(creditCode: $c) { industries { code }
        relatedEnterprises(first: 50) { creditCode name sharedIndustries } } }"""
    body = await gql(demo_client, query, {"c": DEMO_CREDIT_CODE})
    enterprise = body["data"]["enterprise"]
    mine = {i["code"] for i in enterprise["industries"]}
    assert len(mine) == 3
    specs = {e.credit_code: e for e in generate_enterprises(40)}
    expected = {
        code: len(mine & set(e.industries))
        for code, e in specs.items()
        if code != DEMO_CREDIT_CODE and e.status == "operating" and mine & set(e.industries)
    }
    related = enterprise["relatedEnterprises"]
    assert {r["creditCode"]: r["sharedIndustries"] for r in related} == expected
    shared = [r["sharedIndustries"] for r in related]
    assert shared == sorted(shared, reverse=True) and shared[0] >= 2


INFORMATION = """query($f: GovernmentInformationFilter, $first: Int!, $after: String) {
  governmentInformation(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage }
    edges { cursor node { id kind { value label } title summary departmentCode departmentName
                          topicCode topicName publishedAt } }
  } }"""


async def test_government_information_filters_and_pages(demo_client: HallClient) -> None:
    """ENT-9: notices, investment news and laws by department and topic, newest first."""
    everything = (await gql(demo_client, INFORMATION, {"first": 100}))["data"]
    total = everything["governmentInformation"]["totalCount"]
    nodes = [e["node"] for e in everything["governmentInformation"]["edges"]]
    assert total == len(nodes) >= 30
    assert [n["publishedAt"] for n in nodes] == sorted(
        (n["publishedAt"] for n in nodes), reverse=True
    )
    for flt, check in [
        ({"kind": "LAW"}, lambda n: n["kind"]["label"] == "政策法规"),
        ({"departments": ["SCJG"]}, lambda n: n["departmentName"] == "珠海市斗门区市场监督管理局"),
        ({"topics": ["L05"]}, lambda n: n["topicName"] == "税收财务"),
        ({"keyword": "安全生产"}, lambda n: "安全生产" in n["title"] + n["summary"]),
    ]:
        body = (await gql(demo_client, INFORMATION, {"f": flt, "first": 100}))["data"]
        found = [e["node"] for e in body["governmentInformation"]["edges"]]
        assert 0 < len(found) < total, flt
        assert all(check(n) for n in found), flt
    page_one = (await gql(demo_client, INFORMATION, {"first": 5}))["data"]["governmentInformation"]
    assert page_one["pageInfo"]["hasNextPage"] is True
    after = page_one["edges"][-1]["cursor"]
    page_two = (await gql(demo_client, INFORMATION, {"first": 5, "after": after}))["data"]
    ids = [e["node"]["id"] for e in page_one["edges"] + page_two["governmentInformation"]["edges"]]
    assert ids == [n["id"] for n in nodes[:10]]
    too_many = await gql(demo_client, INFORMATION, {"first": 1000})
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


SUBSCRIBE = """mutation($t: SubscriptionTarget!, $c: String!, $ch: [Channel!]!) {
  subscribe(input: {target: $t, code: $c, channels: $ch}) {
    errors { code field message } subscription { code name channels { value } } } }"""
UNSUBSCRIBE = """mutation($t: SubscriptionTarget!, $c: String!) {
  unsubscribe(input: {target: $t, code: $c}) { errors { code field } removed } }"""
PUBLISH = """mutation($d: String, $t: String) {
  publishGovernmentInformation(input: {kind: NOTICE, title: "区司法局关于开展企业合规培训的通知",
      summary: "面向辖区企业开展合规经营培训。", body: "培训安排如下。",
      department: $d, topic: $t}) {
    errors { code field } delivered information { id title departmentName } } }"""
MAILBOX = """{ viewer { enterprise { unreadCount messages(first: 5, unreadOnly: true) {
    totalCount edges { node { id title sender read } } } } } }"""


async def test_subscriptions_turn_new_information_into_messages(hall: HallClient) -> None:
    """ENT-11/12: subscribe to a department, its new information lands in the mailbox;
    reading it lowers the unread count."""
    enterprise = await _enterprise_token(hall)
    made = await gql(
        hall, SUBSCRIBE, {"t": "DEPARTMENT", "c": "SFJ", "ch": ["IN_APP"]}, headers=enterprise
    )
    assert made["data"]["subscribe"] == {
        "errors": [],
        "subscription": {
            "code": "SFJ",
            "name": "珠海市斗门区司法局",
            "channels": [{"value": "IN_APP"}],
        },
    }
    before = (await gql(hall, MAILBOX, headers=enterprise))["data"]["viewer"]["enterprise"]

    hall.cookies.clear()
    staff = await _token(hall, "staff", ADMIN)
    published = (await gql(hall, PUBLISH, {"d": "SFJ"}, headers=staff))["data"]
    payload = published["publishGovernmentInformation"]
    assert payload["errors"] == [] and payload["delivered"] == 1
    assert payload["information"]["departmentName"] == "珠海市斗门区司法局"

    after = (await gql(hall, MAILBOX, headers=enterprise))["data"]["viewer"]["enterprise"]
    assert after["unreadCount"] == before["unreadCount"] + 1
    newest = after["messages"]["edges"][0]["node"]
    assert newest["title"] == "区司法局关于开展企业合规培训的通知" and newest["read"] is False
    mark = """mutation($id: ID!) { markMessageRead(input: {id: $id}) {
        errors { code } message { read } } }"""
    read = (await gql(hall, mark, {"id": newest["id"]}, headers=enterprise))["data"]
    assert read["markMessageRead"] == {"errors": [], "message": {"read": True}}
    again = (await gql(hall, MAILBOX, headers=enterprise))["data"]["viewer"]["enterprise"]
    assert again["unreadCount"] == before["unreadCount"]

    removed = await gql(hall, UNSUBSCRIBE, {"t": "DEPARTMENT", "c": "SFJ"}, headers=enterprise)
    assert removed["data"]["unsubscribe"] == {"errors": [], "removed": True}
    republished = (await gql(hall, PUBLISH, {"d": "SFJ"}, headers=staff))["data"]
    assert republished["publishGovernmentInformation"]["delivered"] == 0


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"t": "DEPARTMENT", "c": "NOPE", "ch": ["IN_APP"]}, "NOT_FOUND", "code"),
        ({"t": "TOPIC", "c": "L99", "ch": ["EMAIL"]}, "NOT_FOUND", "code"),
        ({"t": "TOPIC", "c": "L05", "ch": []}, "INVALID_INPUT", "channels"),
    ],
)
async def test_subscription_errors_are_typed(
    hall: HallClient, variables: dict[str, Any], code: str, field: str
) -> None:
    body = await gql(hall, SUBSCRIBE, variables, headers=await _enterprise_token(hall))
    error = body["data"]["subscribe"]["errors"][0]
    assert (error["code"], error["field"]) == (code, field) and error["message"]


async def test_only_enterprises_manage_a_page(hall: HallClient) -> None:
    enterprise = await _enterprise_token(hall)
    hall.cookies.clear()
    anonymous = await gql(hall, SUBSCRIBE, {"t": "TOPIC", "c": "L05", "ch": ["IN_APP"]})
    assert anonymous["data"]["subscribe"]["errors"][0]["code"] == "UNAUTHENTICATED"
    person = await _token(hall, "person", PERSON)
    body = await gql(hall, SUBSCRIBE, {"t": "TOPIC", "c": "L05", "ch": ["IN_APP"]}, headers=person)
    assert body["data"]["subscribe"]["errors"][0]["code"] == "FORBIDDEN"
    gone = await gql(hall, UNSUBSCRIBE, {"t": "TOPIC", "c": "L01"}, headers=enterprise)
    assert gone["data"]["unsubscribe"]["errors"][0]["code"] == "NOT_FOUND"
    publish = await gql(hall, PUBLISH, {"d": "SFJ"}, headers=person)
    assert publish["data"]["publishGovernmentInformation"]["errors"][0]["code"] == "FORBIDDEN"


async def test_reminders_of_three_kinds_and_read_marks(hall: HallClient) -> None:
    """ENT-12: business, mail and system reminders from the data; marking one read."""
    headers = await _enterprise_token(hall)
    page = await _page(hall, headers, local_today().year)
    by_topic = {r["topic"]: r for r in page["reminders"]}
    assert {"qualification_expiring", "vehicle_violation", "unread_mail", "password_age"} <= set(
        by_topic
    )
    assert {r["kind"]["label"] for r in page["reminders"]} == {"业务提醒", "邮件提醒", "系统提醒"}
    expiring = by_topic["qualification_expiring"]
    assert "食品生产许可证" in expiring["text"] and expiring["dueOn"] and expiring["link"]
    assert f"{page['unreadCount']}条未读消息" in by_topic["unread_mail"]["text"]
    mark = """mutation($id: ID!) { markReminderRead(input: {id: $id}) {
        errors { code field } reminder { read } } }"""
    done = await gql(hall, mark, {"id": expiring["id"]}, headers=headers)
    assert done["data"]["markReminderRead"] == {"errors": [], "reminder": {"read": True}}
    for bad_id, code in (("abc", "INVALID_ID"), ("999999", "NOT_FOUND")):
        body = await gql(hall, mark, {"id": bad_id}, headers=headers)
        assert body["data"]["markReminderRead"]["errors"][0]["code"] == code
