from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from evaluation.routing_eval import (
    extra_training_records,
    in_train_part,
    run_routing_eval,
)
from routing.aliases import AliasTable
from routing.directory import CityDirectory
from routing.history import map_records
from routing.training import is_history
from tests.unit.routing_fakes import fake_embed

# A tiny synthetic set with foreign department names, written for this test.
TEMPLATES = {
    "燃气公司A": ["天然气{}停了", "燃气表{}走得快", "{}没有燃气了"],
    "城市管理委": ["{}路灯坏了", "{}垃圾没人清", "{}占道摆摊"],
    "劳动监察": ["{}拖欠工资", "{}不签劳动合同", "{}工钱没发"],
}
PLACES = ["东街", "西村", "北苑", "南城", "中心路", "新区", "老城", "河边"]


@pytest.fixture()
def dataset(tmp_path: Path) -> tuple[Path, Path]:
    rows = [
        {"q": template.format(place), "dept": dept}
        for dept, templates in TEMPLATES.items()
        for template in templates
        for place in PLACES
    ]
    rows.append({"q": "不相干的部门的事情", "dept": "外星局"})
    data = tmp_path / "set.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text(
        yaml.safe_dump(
            {
                "aliases": {
                    "燃气公司A": "中裕燃气",
                    "城市管理委": "kind:城管",
                    "劳动监察": "kind:人社",
                }
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return data, aliases


def test_split_is_stable_and_roughly_proportional() -> None:
    texts = [f"第{i}条" for i in range(1000)]
    share = sum(in_train_part(t, 0.5) for t in texts) / len(texts)
    assert 0.4 < share < 0.6
    assert [in_train_part(t, 0.5) for t in texts] == [in_train_part(t, 0.5) for t in texts]


def test_metrics_table_and_plot(dataset: tuple[Path, Path], city_dir: Path, tmp_path: Path) -> None:
    data, aliases = dataset
    result = run_routing_eval(data, "q", "dept", city_dir, fake_embed, aliases, 0.5, False, tmp_path / "out")
    assert result.rows == 73 and result.skipped == {"empty": 0, "unmapped:外星局": 1}
    assert result.train_size + result.test_size == 72
    router = result.metrics["router"]
    assert router["top1"] >= 0.9 and router["top3"] >= router["top1"]
    assert 0.0 <= router["macro_f1"] <= 1.0
    assert {"classifier_only", "rules_only"} <= set(result.metrics)
    assert {row["department"] for row in result.per_department} == {"中裕燃气", "市城管局", "市人力资源社会保障局"}
    assert Path(result.files["confusion_png"]).stat().st_size > 1000
    assert json.loads(Path(result.files["json"]).read_text(encoding="utf-8"))["test_size"] == result.test_size


def test_answers_of_training_rows_only_become_auxiliary_records(directory: CityDirectory) -> None:
    table = AliasTable(directory, {"城市管理委": "kind:城管"})
    rows = [{"q": f"{place}路灯坏了", "answer": f"{place}路灯由城管维修", "dept": "城市管理委"} for place in PLACES]
    records, _ = map_records(rows, "q", "dept", table, "set")
    train = [r for r in records if in_train_part(r.text, 0.5)]
    assert 0 < len(train) < len(records)
    extra = extra_training_records(rows, train, "dept", table, ("answer",))
    assert sorted(r.text for r in extra) == sorted(r.text.replace("坏了", "由城管维修") for r in train)
    assert {r.department for r in extra} == {"市城管局"}
    assert not any(is_history(r.id) for r in extra)
    assert extra_training_records(rows, train, "dept", table, ("missing",)) == []
