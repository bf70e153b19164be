from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from routing.aliases import LOCAL_LABEL, AliasTable
from routing.directory import CityDirectory


@pytest.mark.parametrize(
    "name, department",
    [
        ("应急局", "市应急管理局"),
        ("规划自然资源委", "市自然资源和规划局"),
        ("交管局", "市公安局"),
        ("北京市公安局公安交通管理局", "市公安局"),
        ("北京市人力资源和社会保障局", "市人力资源社会保障局"),
        ("住房公积金管理中心", "市住房公积金中心"),
        ("科委", "市科技局"),
        ("首都之窗", None),  # a web portal, not a handling department: its rows are skipped
        ("药监局", "市市场监管局"),
    ],
)
def test_beijing_department_names(directory: CityDirectory, city_dir: Path, name: str, department: str) -> None:
    table = AliasTable.load(directory, city_dir / "aliases" / "msga_beijing_departments.yaml")
    assert table.resolve(name) == department


@pytest.mark.parametrize(
    "domain, department",
    [
        ("城建", "市住房城乡建设局"),
        ("交通", "市交通运输局"),
        ("治安", "市公安局"),
        ("环保", "市生态环境局"),
        ("就业", "市人力资源社会保障局"),
        ("医疗", "市卫生健康委"),
        ("三农", "市农业农村局"),
        ("政务", "市行政审批政务信息管理局"),
        ("金融", "市金融工作局"),
    ],
)
def test_message_domains(directory: CityDirectory, city_dir: Path, domain: str, department: str) -> None:
    table = AliasTable.load(directory, city_dir / "aliases" / "msga_domains.yaml")
    assert table.resolve(domain) == department


def test_null_and_unknown_names_do_not_resolve(directory: CityDirectory, city_dir: Path) -> None:
    table = AliasTable.load(directory, city_dir / "aliases" / "msga_domains.yaml")
    assert table.resolve("海关总署") is None and table.knows("海关总署")
    assert table.resolve("火星事务") is None and not table.knows("火星事务")
    assert table.resolve("") is None


def test_directory_names_work_without_a_table(directory: CityDirectory) -> None:
    table = AliasTable.load(directory, None)
    assert table.resolve("人社局") == "市人力资源社会保障局"
    assert table.resolve("温县人民政府") == LOCAL_LABEL
    assert table.resolve("kind:医保") == "市医保局"


def test_every_alias_file_resolves(directory: CityDirectory, city_dir: Path) -> None:
    for path in sorted((city_dir / "aliases").glob("*.yaml")):
        AliasTable.load(directory, path)  # raises on a target not in the directory


def test_bad_target_is_rejected(tmp_path: Path, directory: CityDirectory) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump({"aliases": {"甲": "kind:不存在"}}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="甲"):
        AliasTable.load(directory, path)
