from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from routing.router import Router

HOTLINE_CENTRE = "市12345政务服务便民热线中心"


@pytest.mark.parametrize(
    "text, department",
    [
        ("楼下饭店每天晚上烧烤到凌晨两点，噪音太大了", "市城管局"),
        ("小区门口有人占道经营，摆摊卖菜把路都堵了", "市城管局"),
        ("邻居在楼顶私搭乱建，盖了一间彩钢房", "市城管局"),
        ("我们这条街的垃圾三天没人清运，臭气熏天", "市城管局"),
        ("家门口的路灯坏了一个星期，晚上黑乎乎的", "市城管局"),
        ("在一家饭馆吃饭吃坏肚子了，后厨卫生太差", "市市场监管局"),
        ("超市卖过期食品，要求退款还不给退", "市市场监管局"),
        ("附近化工厂晚上偷排废水，空气里有刺鼻的异味", "市生态环境局"),
        ("工地上的挖掘机一直冒黑烟，扬尘也很大", "市生态环境局"),
        ("老板拖欠我们三个月工资不发，到哪里讨薪", "市人力资源社会保障局"),
        ("公司不给我交社保，也不签劳动合同", "市人力资源社会保障局"),
        ("我想提取住房公积金买房，需要带什么材料", "市住房公积金中心"),
        ("在外地住院的费用医保报销不了", "市医保局"),
        ("孩子今年上小学，我们小区划到哪个学区，入学要准备什么", "市教育局"),
        ("在医院看病，医生态度很差还乱开药", "市卫生健康委"),
        ("3路公交车不按站停车，出租车还拒载", "市交通运输局"),
        ("村里那条农村公路好多年没人修了", "市交通运输局"),
        ("焦东路附近从早上开始停电，到现在还没来电", "国网焦作供电公司"),
        ("家里天然气停气了，做不了饭", "中裕燃气"),
        ("我们小区停水两天了，水压也一直很低", "水务公司"),
        ("物业不作为，电梯坏了一个月没人修", "市住房城乡建设局"),
        ("开发商延期交房一年了，房产证也办不下来", "市住房保障中心"),
        ("孩子上户口需要什么材料，身份证丢了怎么补办", "市公安局"),
        ("我母亲想申请低保，应该怎么办理", "市民政局"),
        ("买东西商家不给开发票，想举报偷税", "市税务局"),
        ("去政务服务中心办事，窗口人员推诿，跑了好几趟都办不成", "市行政审批政务信息管理局"),
        ("村里有人在河道里非法采砂", "市水利局"),
        ("电梯年检标志过期了，担心不安全", "市市场监管局"),
    ],
)
def test_routes_common_matters(rules_router: Router, text: str, department: str) -> None:
    decision = rules_router.route(text)
    assert decision.department == department, decision
    assert not decision.needs_review, decision
    assert 0.0 < decision.score <= 1.0
    assert decision.reason.startswith("rule:")
    assert decision.candidates[0] == (decision.department, decision.score, decision.reason)


def test_reason_names_rules_and_keywords(rules_router: Router) -> None:
    decision = rules_router.route("楼下烧烤噪音扰民")
    assert decision.reason.startswith("rule:")
    assert "noise" in decision.reason and "bbq_fumes" in decision.reason
    for keyword in ("噪音", "烧烤", "扰民"):
        assert keyword in decision.reason


def test_district_sets_local_government_only_for_local_matters(rules_router: Router) -> None:
    # Power cuts are the utility's alone; a property-management matter is co-handled (属地, 双重交办).
    outage = rules_router.route("山阳区焦东路附近停电了")
    assert outage.department == "国网焦作供电公司"
    assert outage.district == "山阳区"
    assert outage.local_government is None
    assert outage.assignees == ["国网焦作供电公司"]
    lift = rules_router.route("山阳区有个小区物业不管事，电梯坏了一个月")
    assert lift.department == "市住房城乡建设局"
    assert lift.local_government == "山阳区人民政府"
    assert lift.assignees == ["市住房城乡建设局", "山阳区人民政府"]


def test_explicit_district_wins_and_is_canonicalised(rules_router: Router) -> None:
    decision = rules_router.route("小区门口的垃圾没人清运", district="孟州")
    assert decision.district == "孟州市"
    assert decision.local_government == "孟州市人民政府"
    assert decision.department == "市城管局"


def test_nothing_matched_with_district_goes_to_local_government(rules_router: Router) -> None:
    decision = rules_router.route("温县城关这边有个事情想反映一下")
    assert decision.department == "温县人民政府"
    assert decision.local_government == "温县人民政府"
    assert decision.needs_review is True
    assert decision.score == 0.0
    assert decision.candidates == []
    assert decision.reason.startswith("fallback:")


def test_nothing_matched_without_district_goes_to_hotline_centre(rules_router: Router) -> None:
    for text in ("我想反映一个问题", "", "   "):
        decision = rules_router.route(text)
        assert decision.department == HOTLINE_CENTRE
        assert decision.local_government is None
        assert decision.needs_review is True


def test_specific_phrase_beats_contained_generic_keyword(rules_router: Router) -> None:
    # 电梯年检 (market supervision) contains 电梯 (property management); only the longer counts.
    decision = rules_router.route("电梯年检过期")
    assert [c[0] for c in decision.candidates] == ["市市场监管局"]


def test_ambiguous_request_is_flagged_and_lists_candidates(rules_router: Router) -> None:
    decision = rules_router.route("学校门口的医院")
    assert decision.needs_review is True
    assert {c[0] for c in decision.candidates} == {"市教育局", "市卫生健康委"}
    scores = [c[1] for c in decision.candidates]
    assert scores == sorted(scores, reverse=True)


def test_more_evidence_gives_higher_score(rules_router: Router) -> None:
    weak = rules_router.route("有噪音")
    strong = rules_router.route("夜里烧烤噪音扰民，广场舞大喇叭也很吵")
    assert weak.department == strong.department == "市城管局"
    assert strong.score > weak.score


def test_candidates_at_most_three(rules_router: Router) -> None:
    decision = rules_router.route("物业不管垃圾，电梯停运，停水停电停气，公交也不来")
    assert 1 <= len(decision.candidates) <= 3


def test_full_width_text_is_normalised(rules_router: Router) -> None:
    assert rules_router.route("ＡＢＣ超市卖假货").department == "市市场监管局"


def test_rule_with_unknown_department_is_rejected(tmp_path: Path, city_dir: Path) -> None:
    for name in ("city.yaml", "departments.yaml"):
        (tmp_path / name).write_text((city_dir / name).read_text(encoding="utf-8"), encoding="utf-8")
    rules = {
        "fallback_department": HOTLINE_CENTRE,
        "rules": [{"id": "x", "department": "火星管理局", "keywords": ["火星"]}],
    }
    (tmp_path / "routing_rules.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="火星管理局"):
        Router.from_city_dir(tmp_path, model_path=None)


def test_every_rule_file_entry_resolves(rules_router: Router) -> None:
    ids = [rule.id for rule in rules_router.rules]
    assert len(ids) >= 25 and len(ids) == len(set(ids))
    for rule in rules_router.rules:
        assert rules_router.directory.department(rule.department) is not None


@pytest.mark.parametrize(
    "text, matter, tier",
    [
        ("单元电梯坏了一个月没人修", "城乡建设/物业管理/电梯故障", "紧急"),
        ("物业费涨了，物业公司啥也不干", "城乡建设/物业管理/物业服务", "一般"),
        ("楼下烧烤摊油烟太大", "城市管理/市容环境/烧烤油烟", "一般"),
        ("我们小区停水了", "公用事业/供水/停水与水压", "紧急"),
        ("电梯坏了，有人被困在里面", "城乡建设/物业管理/电梯故障", "特急"),
    ],
)
def test_decision_names_matter_and_tier(rules_router: Router, text: str, matter: str, tier: str) -> None:
    decision = rules_router.route(text)
    assert decision.matter == matter
    assert decision.matter_path == tuple(matter.split("/"))
    assert decision.tier == tier


@pytest.mark.parametrize(
    "text, hotline",
    [
        ("网上买的衣服有质量问题，商家不给退货", "12315"),
        ("社保卡丢了怎么补办", "12333"),
        ("想提取住房公积金", "12329"),
        ("家里停电了", "95598"),
    ],
)
def test_parallel_hotline_matters_flag_transfer(rules_router: Router, text: str, hotline: str) -> None:
    assert rules_router.route(text).transfer_to == hotline


def test_ordinary_matter_has_no_transfer(rules_router: Router) -> None:
    assert rules_router.route("路边垃圾没人清理").transfer_to is None


def test_emergency_is_flagged_on_the_decision(rules_router: Router) -> None:
    decision = rules_router.route("楼下饭店着火了，烟很大")
    assert decision.emergency is not None and decision.emergency.number == "119"
    assert decision.transfer_to == "119"
    assert decision.tier == "特急"
