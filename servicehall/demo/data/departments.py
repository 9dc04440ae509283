"""The district and its handling departments (按办事部门)."""

from __future__ import annotations

from servicehall.demo.spec import DepartmentSpec

DISTRICT_NAME = "珠海市斗门区"
DIVISION_CODE = "440403"

_HALL = "珠海市斗门区井岸镇港霞东路128号 斗门区政务服务中心"

DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec(
        code="SCJG",
        name="珠海市斗门区市场监督管理局",
        short_name="区市场监管局",
        address=f"{_HALL}1楼1-12号窗口",
        phone="0756-5522315",
    ),
    DepartmentSpec(
        code="RSJ",
        name="珠海市斗门区人力资源和社会保障局",
        short_name="区人力资源社会保障局",
        address=f"{_HALL}2楼21-28号窗口",
        phone="0756-5787263",
    ),
    DepartmentSpec(
        code="MZJ",
        name="珠海市斗门区民政局",
        short_name="区民政局",
        address=f"{_HALL}3楼31-34号窗口（婚姻登记：井岸镇新青路36号区婚姻登记处）",
        phone="0756-5523126",
    ),
    DepartmentSpec(
        code="WJJ",
        name="珠海市斗门区卫生健康局",
        short_name="区卫生健康局",
        address=f"{_HALL}3楼35-37号窗口",
        phone="0756-5523892",
    ),
    DepartmentSpec(
        code="YBJ",
        name="珠海市斗门区医疗保障局",
        short_name="区医保局",
        address=f"{_HALL}2楼29-30号窗口",
        phone="0756-5116087",
    ),
    DepartmentSpec(
        code="NYJ",
        name="珠海市斗门区农业农村局",
        short_name="区农业农村局",
        address=f"{_HALL}3楼38-39号窗口",
        phone="0756-5522716",
    ),
    DepartmentSpec(
        code="ZJJ",
        name="珠海市斗门区住房和城乡建设局",
        short_name="区住房城乡建设局",
        address=f"{_HALL}4楼41-45号窗口",
        phone="0756-5523350",
    ),
    DepartmentSpec(
        code="JTJ",
        name="珠海市斗门区交通运输局",
        short_name="区交通运输局",
        address=f"{_HALL}4楼46-48号窗口",
        phone="0756-5522183",
    ),
    DepartmentSpec(
        code="JYJ",
        name="珠海市斗门区教育局",
        short_name="区教育局",
        address=f"{_HALL}3楼40号窗口",
        phone="0756-5522431",
    ),
    DepartmentSpec(
        code="WGLT",
        name="珠海市斗门区文化广电旅游体育局",
        short_name="区文广旅体局",
        address=f"{_HALL}4楼49号窗口",
        phone="0756-5526612",
    ),
    DepartmentSpec(
        code="YJJ",
        name="珠海市斗门区应急管理局",
        short_name="区应急管理局",
        address=f"{_HALL}4楼50号窗口",
        phone="0756-5505290",
    ),
    DepartmentSpec(
        code="TYJR",
        name="珠海市斗门区退役军人事务局",
        short_name="区退役军人事务局",
        address="珠海市斗门区井岸镇白藤二路23号 区退役军人服务中心1楼服务大厅",
        phone="0756-5587016",
    ),
    DepartmentSpec(
        code="SFJ",
        name="珠海市斗门区司法局",
        short_name="区司法局",
        address="珠海市斗门区井岸镇湖心路68号 区公共法律服务中心1楼",
        phone="0756-5522148",
    ),
    DepartmentSpec(
        code="CGJ",
        name="珠海市斗门区城市管理和综合执法局",
        short_name="区城管执法局",
        address=f"{_HALL}4楼51-52号窗口",
        phone="0756-5529670",
    ),
    DepartmentSpec(
        code="SHWJ",
        name="珠海市斗门区水务局",
        short_name="区水务局",
        address=f"{_HALL}4楼53号窗口",
        phone="0756-5523507",
    ),
    DepartmentSpec(
        code="FGJ",
        name="珠海市斗门区发展和改革局",
        short_name="区发展改革局",
        address=f"{_HALL}5楼56号窗口",
        phone="0756-5522870",
    ),
    DepartmentSpec(
        code="SWJ",
        name="国家税务总局珠海市斗门区税务局",
        short_name="区税务局",
        address="珠海市斗门区井岸镇珠峰大道212号 斗门区税务局办税服务厅",
        phone="0756-5516366",
        office_hours="周一至周五 上午9:00-12:00 下午14:00-17:30（法定节假日除外）",
    ),
    DepartmentSpec(
        code="ZRZY",
        name="珠海市自然资源局斗门分局",
        short_name="市自然资源局斗门分局",
        address=f"{_HALL}1楼13-20号窗口（不动产登记）",
        phone="0756-5529105",
    ),
    DepartmentSpec(
        code="GAJ",
        name="珠海市公安局斗门分局",
        short_name="斗门公安分局",
        address="珠海市斗门区井岸镇新青路98号 斗门公安分局行政服务中心",
        phone="0756-5522110",
        office_hours="周一至周五 上午9:00-12:00 下午14:30-17:30，周六上午9:00-12:00",
    ),
    DepartmentSpec(
        code="STHJ",
        name="珠海市生态环境局斗门分局",
        short_name="市生态环境局斗门分局",
        address=f"{_HALL}5楼57号窗口",
        phone="0756-5522267",
    ),
    DepartmentSpec(
        code="CL",
        name="珠海市斗门区残疾人联合会",
        short_name="区残联",
        address="珠海市斗门区井岸镇尖峰前路15号 区残疾人综合服务中心1楼",
        phone="0756-5526055",
    ),
)
