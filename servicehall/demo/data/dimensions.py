"""Themes (按主题分类, for persons and legal persons) and target groups (按特定对象)."""

from __future__ import annotations

from servicehall.demo.spec import NamedSpec

_PERSON = "person"
_LEGAL = "legal_person"

THEMES: tuple[NamedSpec, ...] = (
    # 个人办事
    NamedSpec("P01", "生育收养", _PERSON),
    NamedSpec("P02", "户籍办理", _PERSON),
    NamedSpec("P03", "教育科研", _PERSON),
    NamedSpec("P04", "就业创业", _PERSON),
    NamedSpec("P05", "社会保障", _PERSON),
    NamedSpec("P06", "医疗卫生", _PERSON),
    NamedSpec("P07", "住房保障", _PERSON),
    NamedSpec("P08", "婚姻登记", _PERSON),
    NamedSpec("P09", "证件办理", _PERSON),
    NamedSpec("P10", "交通出行", _PERSON),
    NamedSpec("P11", "公共安全", _PERSON),
    NamedSpec("P12", "民族宗教", _PERSON),
    NamedSpec("P13", "文化体育", _PERSON),
    NamedSpec("P14", "死亡殡葬", _PERSON),
    NamedSpec("P15", "职业资格", _PERSON),
    NamedSpec("P16", "优待抚恤", _PERSON),
    NamedSpec("P17", "残疾人", _PERSON),
    NamedSpec("P18", "入伍服役", _PERSON),
    NamedSpec("P19", "司法公证", _PERSON),
    NamedSpec("P20", "离职退休", _PERSON),
    NamedSpec("P21", "规划建设", _PERSON),
    NamedSpec("P22", "社会救助", _PERSON),
    NamedSpec("P23", "农林牧渔", _PERSON),
    NamedSpec("P24", "养老服务", _PERSON),
    NamedSpec("P25", "纳税缴费", _PERSON),
    NamedSpec("P26", "消费维权", _PERSON),
    NamedSpec("P27", "环保绿化", _PERSON),
    NamedSpec("P28", "公用事业", _PERSON),
    # 法人办事
    NamedSpec("L01", "设立变更", _LEGAL),
    NamedSpec("L02", "准营准办", _LEGAL),
    NamedSpec("L03", "资质认证", _LEGAL),
    NamedSpec("L04", "年检年审", _LEGAL),
    NamedSpec("L05", "税收财务", _LEGAL),
    NamedSpec("L06", "人力资源", _LEGAL),
    NamedSpec("L07", "社会保障", _LEGAL),
    NamedSpec("L08", "交通运输", _LEGAL),
    NamedSpec("L09", "环保绿化", _LEGAL),
    NamedSpec("L10", "水务气象", _LEGAL),
    NamedSpec("L11", "医疗卫生", _LEGAL),
    NamedSpec("L12", "科技创新", _LEGAL),
    NamedSpec("L13", "文体教育", _LEGAL),
    NamedSpec("L14", "知识产权", _LEGAL),
    NamedSpec("L15", "安全生产", _LEGAL),
    NamedSpec("L16", "公安消防", _LEGAL),
    NamedSpec("L17", "司法公证", _LEGAL),
    NamedSpec("L18", "规划建设", _LEGAL),
    NamedSpec("L19", "农林牧渔", _LEGAL),
    NamedSpec("L20", "商务贸易", _LEGAL),
    NamedSpec("L21", "破产注销", _LEGAL),
    NamedSpec("L22", "投资审批", _LEGAL),
    NamedSpec("L23", "质量技术", _LEGAL),
    NamedSpec("L24", "抵押质押", _LEGAL),
)

TARGET_GROUPS: tuple[NamedSpec, ...] = (
    NamedSpec("person", "个人"),
    NamedSpec("enterprise", "企业法人"),
    NamedSpec("individual_biz", "个体工商户"),
    NamedSpec("farmer_coop", "农民专业合作社"),
    NamedSpec("institution", "事业单位"),
    NamedSpec("social_org", "社会组织"),
    NamedSpec("foreigner", "外籍人士"),
    NamedSpec("hk_macao", "港澳居民"),
    NamedSpec("taiwan", "台湾居民"),
    NamedSpec("overseas_chinese", "华侨"),
    NamedSpec("rural_resident", "农村居民"),
    NamedSpec("elderly", "老年人"),
    NamedSpec("disabled", "残疾人"),
    NamedSpec("student", "学生"),
    NamedSpec("veteran", "退役军人"),
    NamedSpec("low_income", "低收入家庭"),
)
