"""Trivial constructors and shared materials, kinds and fees used by the item modules."""

from __future__ import annotations

from servicehall.demo.spec import FeeSpec, MaterialSpec

# Item kinds (ItemSpec.kind).
LICENSING = "licensing"
CONFIRMATION = "confirmation"
PAYMENT = "payment"
AWARD = "award"
RULING = "ruling"
OTHER_POWER = "other_power"
PUBLIC_SERVICE = "public_service"

# Township item categories (ItemSpec.category).
LAND = "land_resources"
POPULATION = "population"
CIVIL = "civil_affairs"
MEDICAL = "medical_insurance"
RURAL = "rural_economy"

TOWN = "town"
VILLAGE = "village"


def original(name: str, note: str = "", *, count: int = 1, required: bool = True) -> MaterialSpec:
    """A material handed in as original(s) only."""
    return MaterialSpec(name, "original", count, 0, required, note)


def copy(name: str, note: str = "", *, count: int = 1, required: bool = True) -> MaterialSpec:
    """A material handed in as photocopy(ies) only."""
    return MaterialSpec(name, "copy", 0, count, required, note)


def both(name: str, note: str = "", *, required: bool = True) -> MaterialSpec:
    """A material whose original is checked and whose copy is kept."""
    return MaterialSpec(name, "original_and_copy", 1, 1, required, note)


def electronic(name: str, note: str = "", *, required: bool = True) -> MaterialSpec:
    """A material uploaded or filled in online."""
    return MaterialSpec(name, "electronic", 0, 0, required, note)


# Materials shared by many items.
APPLICANT_ID = both("申请人居民身份证")
HOUSEHOLD_REGISTER = both("居民户口簿")
AGENT = both("授权委托书及受托人身份证", "委托他人代为办理的提供", required=False)
BUSINESS_LICENCE = copy("营业执照", "可通过电子证照共享获取的，免于提交")
LEGAL_REP_ID = copy("法定代表人（负责人）身份证")
PHOTOS = original("近期一寸免冠彩色照片", count=2)
BANK_CARD = copy("本人社会保障卡或银行卡", "用于发放资金，须为申请人本人账户")
INCOME_CHECK = original("家庭经济状况核对授权书", "共同生活的家庭成员均须签名")
LAND_USE_PROOF = copy("场地使用证明", "房产证明或租赁合同")
SITE_PLAN = original("经营场所平面布局图及周边环境示意图")
COMPANY_RESOLUTION = original("股东会决议或股东决定", "有限责任公司提供")
HUKOU_OR_RESIDENCE = both("户口簿或居住证", "非本区户籍人员提供居住证")
HOSPITAL_INVOICE = original("医疗费用票据及费用明细清单")
DISCHARGE_SUMMARY = copy("出院小结或疾病诊断证明书")
DISABILITY_CERT = both("中华人民共和国残疾人证")
VETERAN_CERT = both("退役证件或退役军人优待证")
LAND_CONTRACT = copy("农村土地承包经营权证或承包合同")
VILLAGE_OPINION = original("村民小组及村（居）委会意见")

# Fees.
REAL_ESTATE_FEE_BASIS = (
    "《国家发展改革委 财政部关于不动产登记收费有关政策问题的通知》（发改价格规〔2016〕2559号）"
)
REAL_ESTATE_FEES = (
    FeeSpec("不动产登记费（住宅类）", "每件80元", REAL_ESTATE_FEE_BASIS),
    FeeSpec("不动产登记费（非住宅类）", "每件550元", REAL_ESTATE_FEE_BASIS),
    FeeSpec("不动产权属证书工本费", "第一本免费，每增加一本加收10元", REAL_ESTATE_FEE_BASIS),
)
ID_CARD_FEE_BASIS = (
    "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2322号）"
)

# How results are delivered (ItemSpec.result_delivery) when not the default 窗口领取或邮政寄递.
TO_ACCOUNT = "审核通过后发放至申请人银行账户"
MONTHLY = "按月发放至本人社会保障卡金融账户"
FILING = "网上反馈备案结果，可在线下载备案凭证"
NOTICE = "办理结果通过短信或网上办事大厅告知"
