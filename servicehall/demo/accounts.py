"""Demo accounts, the demo client and portal announcements, so a newcomer can sign in at once.

The passwords are printed by ``servicehall demo-data`` and in the README: this module is
for the embedded demo only, and ``demo-data`` refuses to run in ``prod``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from servicehall import clock
from servicehall.auth.passwords import PasswordHasher
from servicehall.codes import make_id_number
from servicehall.demo.enterprises import DEMO_CONTACT_EMAIL, DEMO_CREDIT_CODE
from servicehall.models import (
    Account,
    AccountKind,
    Announcement,
    ClientKind,
    Department,
    Enterprise,
    OAuthClient,
    StaffRole,
)


@dataclass(frozen=True, slots=True)
class DemoAccount:
    kind: AccountKind
    label: str
    login: str
    password: str
    display_name: str
    phone: str | None = None
    id_number: str | None = None
    username: str | None = None
    department: str | None = None
    roles: tuple[StaffRole, ...] = ()
    email: str = ""


PERSON_ID = make_id_number("440403", date(1988, 5, 12), 123)

DEMO_ACCOUNTS = (
    DemoAccount(
        AccountKind.ENTERPRISE,
        "企业",
        DEMO_CREDIT_CODE,
        "Hengxin#2026",
        "珠海市斗门区恒信食品有限公司",
        email=DEMO_CONTACT_EMAIL,
    ),
    DemoAccount(
        AccountKind.PERSON,
        "个人",
        "13926901234",
        "Doumen#2026",
        "陈晓明",
        phone="13926901234",
        id_number=PERSON_ID,
        email="chenxiaoming@example.com",
    ),
    DemoAccount(
        AccountKind.STAFF,
        "工作人员",
        "scjg001",
        "Shichang#2026",
        "黄伟",
        username="scjg001",
        department="SCJG",
        roles=(StaffRole.CASE_HANDLER, StaffRole.LICENSE_ISSUER, StaffRole.ENTERPRISE_DATA_READER),
    ),
    DemoAccount(
        AccountKind.ADMIN,
        "管理员",
        "admin",
        "Guanli#2026dm",
        "系统管理员",
        username="admin",
        roles=(StaffRole.ANNOUNCER,),
    ),
)

#: Staff of the e-licence demo (LIC-2, LIC-3): an issuer of the environment bureau, and an
#: issuer and licence reader of the health bureau, whose department holds a browse grant.
LICENSE_STAFF = (
    DemoAccount(
        AccountKind.STAFF,
        "证照签发人",
        "sthj001",
        "Huanjing#2026",
        "梁志强",
        username="sthj001",
        department="STHJ",
        roles=(StaffRole.LICENSE_ISSUER,),
    ),
    DemoAccount(
        AccountKind.STAFF,
        "证照查阅人",
        "wjj001",
        "Weijian#2026",
        "林嘉欣",
        username="wjj001",
        department="WJJ",
        roles=(StaffRole.LICENSE_ISSUER, StaffRole.LICENSE_READER),
    ),
)

#: The item registry (ITEM-4): one account for each step of the approval process.
REGISTRY_STAFF = (
    DemoAccount(
        AccountKind.STAFF,
        "事项编辑人",
        "scjg002",
        "Shixiang#2026",
        "吴淑芬",
        username="scjg002",
        department="SCJG",
        roles=(StaffRole.ITEM_EDITOR,),
    ),
    DemoAccount(
        AccountKind.STAFF,
        "目录审核人",
        "zsj001",
        "Mulu#2026",
        "郑国华",
        username="zsj001",
        roles=(StaffRole.DIRECTORY_REVIEWER,),
    ),
    DemoAccount(
        AccountKind.STAFF,
        "编制审核人",
        "bb001",
        "Bianban#2026",
        "何丽萍",
        username="bb001",
        roles=(StaffRole.STAFFING_REVIEWER,),
    ),
    DemoAccount(
        AccountKind.STAFF,
        "法制审查人",
        "sfj001",
        "Fazhi#2026",
        "罗建明",
        username="sfj001",
        department="SFJ",
        roles=(StaffRole.LEGAL_REVIEWER,),
    ),
    DemoAccount(
        AccountKind.STAFF,
        "监察备案人",
        "jw001",
        "Jiancha#2026",
        "蔡文静",
        username="jw001",
        roles=(StaffRole.SUPERVISION_FILER,),
    ),
)

DEMO_CLIENT_ID = "doumen-portal"
DEMO_CLIENT_REDIRECTS = ["http://127.0.0.1:5173/callback", "http://localhost:5173/callback"]

ANNOUNCEMENTS = (
    (
        "统一身份认证平台升级公告",
        "为提升安全性，统一身份认证平台已完成升级：企业登录须输入图形验证码，"
        "连续多次输错密码将临时锁定账号。如有疑问请致电12345政务服务便民热线。",
    ),
    (
        "企业专属网页账号激活指引",
        "已在区市场监督管理局登记且营业执照在有效期内的企业，可凭法定代表人身份证号码和"
        "登记手机号码接收的短信验证码激活企业专属网页账号。",
    ),
)


async def load_accounts(hasher: PasswordHasher) -> None:
    """Create the demo accounts, client and announcements (in the caller's transaction)."""
    now = clock.now()
    accounts: dict[AccountKind, Account] = {}
    for demo in (*DEMO_ACCOUNTS, *LICENSE_STAFF, *REGISTRY_STAFF):
        enterprise = (
            await Enterprise.get(credit_code=demo.login)
            if demo.kind is AccountKind.ENTERPRISE
            else None
        )
        department = await Department.get(code=demo.department) if demo.department else None
        account = await Account.create(
            subject=uuid.uuid4().hex,
            kind=demo.kind,
            username=demo.username,
            phone=demo.phone,
            id_number=demo.id_number,
            display_name=demo.display_name,
            email=demo.email,
            enterprise=enterprise,
            department=department,
            roles=[role.value for role in demo.roles],
            password_hash=await hasher.hash(demo.password),
            # the enterprise's password is old enough for the system reminder (ENT-12)
            password_changed_at=now
            - timedelta(days=120 if demo.kind is AccountKind.ENTERPRISE else 30),
        )
        accounts.setdefault(demo.kind, account)
    await OAuthClient.create(
        client_id=DEMO_CLIENT_ID,
        name="斗门区网上办事大厅（网页版）",
        kind=ClientKind.PUBLIC,
        first_party=True,
        redirect_uris=DEMO_CLIENT_REDIRECTS,
        post_logout_redirect_uris=["http://127.0.0.1:5173/", "http://localhost:5173/"],
        scopes=["openid", "profile", "phone", "email", "enterprise", "offline_access"],
    )
    for days_ago, (title, body) in enumerate(ANNOUNCEMENTS):
        await Announcement.create(
            title=title,
            body=body,
            published_at=now - timedelta(days=3 + days_ago * 7),
            author=accounts[AccountKind.ADMIN],
        )


def describe() -> str:
    """What ``make run`` prints so a newcomer can sign in at once."""
    lines = ["演示账号（仅用于本地演示环境）："]
    for demo in (*DEMO_ACCOUNTS, *LICENSE_STAFF, *REGISTRY_STAFF):
        lines.append(f"  {demo.label:<6} 账号 {demo.login:<20} 密码 {demo.password}")
    lines.append(
        f"演示公共客户端：client_id={DEMO_CLIENT_ID}，回调地址 {DEMO_CLIENT_REDIRECTS[0]}，"
        "授权码模式 + PKCE（S256）"
    )
    return "\n".join(lines)
