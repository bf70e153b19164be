from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from routing.directory import CityDirectory

DISTRICT_GOVERNMENTS = {
    "解放区": "解放区人民政府",
    "山阳区": "山阳区人民政府",
    "中站区": "中站区人民政府",
    "马村区": "马村区人民政府",
    "示范区": "示范区管委会",
    "修武县": "修武县人民政府",
    "博爱县": "博爱县人民政府",
    "武陟县": "武陟县人民政府",
    "温县": "温县人民政府",
    "沁阳市": "沁阳市人民政府",
    "孟州市": "孟州市人民政府",
}


def test_city_fields_come_from_city_yaml(directory: CityDirectory) -> None:
    assert directory.name == "焦作市"
    assert directory.ticket_prefix == "JZ"
    assert [d.name for d in directory.districts] == list(DISTRICT_GOVERNMENTS)
    assert directory.emergency_numbers["police"] == "110"


def test_directory_has_required_departments(directory: CityDirectory) -> None:
    names = {d.name for d in directory.departments}
    assert len(directory.departments) >= 25
    for required in [
        "市市场监管局",
        "市人力资源社会保障局",
        "市住房公积金中心",
        "市城管局",
        "市生态环境局",
        "市交通运输局",
        "市公安局",
        "市教育局",
        "市卫生健康委",
        "市医保局",
        "市住房城乡建设局",
        "市自然资源和规划局",
        "市民政局",
        "市应急管理局",
        "市文化广电和旅游局",
        "市水利局",
        "市税务局",
        "市行政审批政务信息管理局",
        "市12345政务服务便民热线中心",
        "国网焦作供电公司",
        "中裕燃气",
        "水务公司",
        *DISTRICT_GOVERNMENTS.values(),
    ]:
        assert required in names, required
    for department in directory.departments:
        assert department.kind and department.duties, department.name


@pytest.mark.parametrize(
    "alias, canonical",
    [
        ("市场监管局", "市市场监管局"),
        ("工商", "市市场监管局"),
        ("人社局", "市人力资源社会保障局"),
        ("社保局", "市人力资源社会保障局"),
        ("公积金中心", "市住房公积金中心"),
        ("市政务服务和大数据管理局", "市行政审批政务信息管理局"),
        ("环保局", "市生态环境局"),
        ("焦作市公安局", "市公安局"),
        ("焦作城管局", "市城管局"),
        ("交通运输局", "市交通运输局"),
        ("  卫健委 ", "市卫生健康委"),
        ("供电公司", "国网焦作供电公司"),
        ("自来水公司", "水务公司"),
        ("市城乡一体化示范区管委会", "示范区管委会"),
    ],
)
def test_department_by_name_or_alias(directory: CityDirectory, alias: str, canonical: str) -> None:
    found = directory.department(alias)
    assert found is not None and found.name == canonical


def test_unknown_department_is_none(directory: CityDirectory) -> None:
    assert directory.department("火星管理局") is None
    assert directory.department("") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("山阳区焦东路", "山阳区"),
        ("在温县城关", "温县"),
        ("我家在沁阳，停电了", "沁阳市"),
        ("孟州市西虢镇", "孟州市"),
        ("焦作市城乡一体化示范区文苑街道", "示范区"),
        ("高新区那边", "示范区"),
        ("我在博爱县城住", "博爱县"),
        ("马村那边有人烧垃圾", "马村区"),
        ("武陟县木城街道", "武陟县"),
    ],
)
def test_find_district(directory: CityDirectory, text: str, expected: str) -> None:
    assert directory.find_district(text) == expected


@pytest.mark.parametrize("text", ["解放军医院门口", "博爱路上有人烧烤", "我想咨询一下公积金", ""])
def test_find_district_ignores_aliases_inside_other_words(directory: CityDirectory, text: str) -> None:
    assert directory.find_district(text) is None


def test_find_district_prefers_longest_mention(directory: CityDirectory) -> None:
    # Both the full name of 示范区 and the alias 山阳 occur; the longer mention wins.
    assert directory.find_district("焦作市城乡一体化示范区靠近山阳的地方") == "示范区"


def test_local_government_by_name_or_alias(directory: CityDirectory) -> None:
    for district, government in DISTRICT_GOVERNMENTS.items():
        found = directory.local_government(district)
        assert found is not None and found.name == government
        assert found.district == district
    assert directory.local_government("山阳").name == "山阳区人民政府"
    assert directory.local_government(None) is None
    assert directory.local_government("郑州") is None


def test_name_lists_for_nlu(directory: CityDirectory) -> None:
    places = directory.all_place_names()
    assert {"解放区", "山阳", "温县", "焦作市城乡一体化示范区", "高新区"} <= set(places)
    assert len(places) == len(set(places))
    departments = directory.all_department_names()
    assert {"市市场监管局", "市场监管局", "工商", "人社局", "公积金中心", "中裕燃气"} <= set(departments)
    assert len(departments) == len(set(departments))


def test_duplicate_alias_is_rejected(tmp_path: Path, city_dir: Path) -> None:
    (tmp_path / "city.yaml").write_text((city_dir / "city.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    departments = {
        "departments": [
            {"name": "市甲局", "kind": "甲", "duties": "甲", "aliases": ["同名"]},
            {"name": "市乙局", "kind": "乙", "duties": "乙", "aliases": ["同名"]},
        ]
    }
    (tmp_path / "departments.yaml").write_text(yaml.safe_dump(departments, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="同名"):
        CityDirectory.load(tmp_path)
