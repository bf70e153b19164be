from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from routing.aliases import LOCAL_LABEL
from routing.directory import CityDirectory
from routing.taxonomy import MatterTaxonomy


@pytest.fixture(scope="module")
def taxonomy(city_dir: Path, directory: CityDirectory) -> MatterTaxonomy:
    return MatterTaxonomy.load(city_dir, directory)


def test_every_department_owns_a_matter(directory: CityDirectory, taxonomy: MatterTaxonomy) -> None:
    owners = taxonomy.owners()
    for department in directory.departments:
        expected = LOCAL_LABEL if department.is_local_government else department.name
        assert expected in owners, department.name


def test_leaves_have_two_or_three_levels_and_known_tiers(taxonomy: MatterTaxonomy) -> None:
    assert len(taxonomy.leaves) >= 60
    for leaf in taxonomy.leaves:
        assert 2 <= len(leaf.path) <= 3, leaf.id
        assert leaf.tier in ("一般", "紧急", "特急")
    assert taxonomy.tiers == ("一般", "紧急", "特急")


def test_owner_lookup_and_inheritance(taxonomy: MatterTaxonomy) -> None:
    lift = taxonomy.get("城乡建设/物业管理/电梯故障")
    assert lift is not None
    assert lift.owner == "市住房城乡建设局"
    assert lift.local is True  # inherited from 物业管理
    assert lift.tier == "紧急"
    assert lift.name == "电梯故障"
    names = {m.name for m in taxonomy.owned_by("市住房城乡建设局")}
    assert {"电梯故障", "物业服务", "维修资金"} <= names
    consumer = taxonomy.get("市场监管/消费维权/消费纠纷")
    assert consumer.transfer is True and consumer.local is False


def test_match_prefers_keywords_and_defaults_to_first_leaf(taxonomy: MatterTaxonomy) -> None:
    assert taxonomy.match("维修基金怎么用", "市住房城乡建设局").name == "维修资金"
    assert taxonomy.match("说不清楚的事", "市住房城乡建设局").name == "物业服务"
    assert taxonomy.match("任何事", "火星管理局") is None


def test_urgency_cues_raise_but_never_lower(taxonomy: MatterTaxonomy) -> None:
    ordinary = taxonomy.get("城市管理/市容环境/环境卫生")
    assert taxonomy.tier_for("垃圾没人清", ordinary) == "一般"
    assert taxonomy.tier_for("垃圾堆里有安全隐患", ordinary) == "紧急"
    assert taxonomy.tier_for("路面塌陷了", ordinary) == "特急"
    urgent = taxonomy.get("公用事业/供水/停水与水压")
    assert taxonomy.tier_for("停水了", urgent) == "紧急"


def test_unknown_owner_is_rejected(tmp_path: Path, directory: CityDirectory) -> None:
    data = {"matters": [{"name": "甲", "children": [{"name": "乙", "owner": "火星管理局"}]}]}
    (tmp_path / "matters.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="火星管理局"):
        MatterTaxonomy.load(tmp_path, directory)


def test_unknown_tier_is_rejected(tmp_path: Path, directory: CityDirectory) -> None:
    data = {"matters": [{"name": "甲", "owner": "市城管局", "children": [{"name": "乙", "tier": "很急"}]}]}
    (tmp_path / "matters.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="很急"):
        MatterTaxonomy.load(tmp_path, directory)
