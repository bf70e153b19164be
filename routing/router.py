"""Routing of a citizen's request to the responsible department.

Two sources of evidence:

* weighted keyword rules from ``routing_rules.yaml`` where the duty is unambiguous. Their score
  grows with the number and length of matched keywords and shrinks when another department
  matches about as well;
* a learned classifier (:mod:`routing.classifier`, trained by ``hotline routing train`` on our
  routing examples and imported past work orders), when a model file exists.

With a classifier the two are fused and the fused top score is mapped to the probability that the
decision is right (calibrated on held-out folds at training time). The configured ``rule_weight`` is a
prior for a city without history: once the classifier was trained on at least ``min_history`` past
work orders, training measures on held-out folds of that history how much the rules still add and
the router uses that fitted weight instead (:func:`routing.training.fit_rule_weight`); below
``classifier_review_threshold`` the work order waits for an agent (``needs_review``). Without a
model the router works on rules alone. The matter taxonomy (``matters.yaml``) then names the
matter, its urgency tier, whether the local government co-handles it (属地, 双重交办) and whether a
parallel hotline owns it; emergencies (110/119/120) are flagged first.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from routing.aliases import LOCAL_LABEL
from routing.directory import CityDirectory, shared_tokenizer, token_spans
from routing.emergency import EmergencyAdvice, detect_emergency
from routing.taxonomy import MATTERS_FILE, Matter, MatterTaxonomy

logger = logging.getLogger(__name__)

RULES_FILE = "routing_rules.yaml"
DEFAULT_REVIEW_THRESHOLD = 0.45
DEFAULT_RULE_WEIGHT = 0.5
DEFAULT_CLASSIFIER_REVIEW_THRESHOLD = 0.6
# Past work orders needed before the rule weight is fitted on them rather than taken from the config.
DEFAULT_MIN_HISTORY = 100
URGENT_TIER_FOR_EMERGENCY = "特急"
# With a classifier but no rule: below this calibrated score the request takes the rules-only fallback.
FALLBACK_BELOW = 0.3


@dataclass(frozen=True)
class RoutingRule:
    """Keywords that point at one department."""

    id: str
    department: str
    keywords: tuple[str, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class RoutingDecision:
    """Where a request goes, how sure the router is, and why."""

    department: str
    score: float
    reason: str
    candidates: list[tuple[str, float, str]] = field(default_factory=list)
    local_government: str | None = None
    needs_review: bool = False
    district: str | None = None
    matter: str | None = None  # leaf id of the taxonomy, e.g. 城乡建设/物业管理/电梯故障
    matter_path: tuple[str, ...] = ()
    tier: str = "一般"
    transfer_to: str | None = None  # parallel hotline (12315 …) or emergency number (110/119/120)
    emergency: EmergencyAdvice | None = None
    neighbours: list[tuple[str, str, float]] = field(default_factory=list)  # (source id, department, similarity)

    @property
    def assignees(self) -> list[str]:
        """Everyone the work order goes to: the department, plus the local government for 属地 (双重交办)."""
        names = [self.department]
        if self.local_government and self.local_government != self.department:
            names.append(self.local_government)
        return names


@dataclass(frozen=True)
class _Hit:
    rule: RoutingRule
    keyword: str
    start: int
    end: int

    def inside(self, other: _Hit) -> bool:
        """True when this hit lies within a strictly longer hit."""
        return other.end - other.start > self.end - self.start and other.start <= self.start and self.end <= other.end


def keyword_strength(keyword: str) -> float:
    """Longer keywords are more specific, so they count a little more."""
    if len(keyword) >= 4:
        return 1.4
    if len(keyword) == 3:
        return 1.2
    return 1.0


def confidence(raw: float, best_other: float) -> float:
    """Map a raw keyword score to [0, 1], discounted by the strongest competitor."""
    if raw <= 0:
        return 0.0
    saturation = 1.0 - math.exp(-raw)
    share = raw / (raw + best_other)
    return round(saturation * share, 4)


class Router:
    """Routes free text to a department of a :class:`CityDirectory`."""

    def __init__(
        self,
        directory: CityDirectory,
        rules: list[RoutingRule],
        fallback_department: str,
        review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
        taxonomy: MatterTaxonomy | None = None,
        classifier: Any = None,
        embed: Callable[[Sequence[str]], Any] | None = None,
        rule_weight: float = DEFAULT_RULE_WEIGHT,
        classifier_review_threshold: float = DEFAULT_CLASSIFIER_REVIEW_THRESHOLD,
        min_history: int = DEFAULT_MIN_HISTORY,
    ) -> None:
        self.directory = directory
        self.rules = [self._canonical(rule) for rule in rules]
        fallback = directory.department(fallback_department)
        if fallback is None:
            raise ValueError(f"unknown fallback department {fallback_department!r}")
        self.fallback_department = fallback.name
        self.review_threshold = review_threshold
        self.taxonomy = taxonomy or MatterTaxonomy.empty()
        self.classifier = classifier if embed is not None else None
        self.embed = embed
        self.rule_weight = rule_weight
        self.classifier_review_threshold = classifier_review_threshold
        self.min_history = min_history
        self._tokenizer = shared_tokenizer(
            [k for rule in self.rules for k in rule.keywords]
            + directory.all_place_names()
            + directory.all_department_names()
        )

    @classmethod
    def from_city_dir(
        cls,
        city_dir: Path,
        model_path: Path | None = None,
        encoder_dir: Path | None = None,
        *,
        model_optional: bool = False,
        encoder_engine: str | None = None,
        max_seq_length: int | None = None,
        directory: CityDirectory | None = None,
    ) -> Router:
        """Build a router from the city directory (rules, taxonomy) and, when given, a trained model.

        ``model_path``: the model's ``model.json`` (with ``model.npz``; routing.paths.model_path of
        the routing directory), None for rules only. A missing model raises FileNotFoundError unless
        ``model_optional`` (then: rules only, and an old ``model.pkl`` there is ignored with a warning).
        ``encoder_dir``: the e5 model folder the model's features come from (needed with a model);
        ``encoder_engine`` and ``max_seq_length``: how to run it (routing.embedding.LazyEmbedder).
        ``directory``: the city's directory when the caller has loaded it already.
        """
        city_dir = Path(city_dir)
        directory = directory or CityDirectory.load(city_dir)
        config = load_rules_config(city_dir)
        rules = parse_rules(config)
        taxonomy = MatterTaxonomy.load(city_dir, directory) if (city_dir / MATTERS_FILE).exists() else None
        classifier, embed = _load_classifier(model_path, encoder_dir, model_optional, encoder_engine, max_seq_length)
        fusion = config.get("fusion") or {}
        return cls(
            directory,
            rules,
            fallback_department=str(config["fallback_department"]),
            review_threshold=float(config.get("review_threshold", DEFAULT_REVIEW_THRESHOLD)),
            taxonomy=taxonomy,
            classifier=classifier,
            embed=embed,
            rule_weight=float(fusion.get("rule_weight", DEFAULT_RULE_WEIGHT)),
            classifier_review_threshold=float(fusion.get("review_threshold", DEFAULT_CLASSIFIER_REVIEW_THRESHOLD)),
            min_history=int(fusion.get("min_history", DEFAULT_MIN_HISTORY)),
        )

    def with_classifier(self, classifier: Any, embed: Callable[[Sequence[str]], Any] | None) -> Router:
        """A copy of this router using another classifier (None: rules only)."""
        return Router(
            self.directory,
            self.rules,
            self.fallback_department,
            self.review_threshold,
            self.taxonomy,
            classifier,
            embed,
            self.rule_weight,
            self.classifier_review_threshold,
            self.min_history,
        )

    @property
    def effective_rule_weight(self) -> float:
        """The rule weight fitted on the classifier's history if there is one, else the configured prior."""
        fitted = getattr(self.classifier, "rule_weight", None)
        return self.rule_weight if fitted is None else float(fitted)

    def rule_candidates(self, text: str) -> list[tuple[str, float, str]]:
        """(department, rule confidence, reason) best first; empty when no keyword matches."""
        return self._rank(self._hits(normalise(text)))

    def _canonical(self, rule: RoutingRule) -> RoutingRule:
        department = self.directory.department(rule.department)
        if department is None:
            raise ValueError(f"rule {rule.id}: unknown department {rule.department!r}")
        if not rule.keywords:
            raise ValueError(f"rule {rule.id}: no keywords")
        return RoutingRule(rule.id, department.name, rule.keywords, rule.weight)

    # ------------------------------------------------------------------ routing
    def route(self, text: str, district: str | None = None) -> RoutingDecision:
        """Decide the department for ``text``; ``district`` overrides the one found in the text."""
        text = normalise(text)
        district_name = self._resolve_district(text, district)
        local = self.directory.local_government(district_name)
        local_name = local.name if local else None
        emergency = detect_emergency(text, self.directory.emergency_numbers) if text else None

        rule_ranked = self._rank(self._hits(text))
        output = self._classify(text)
        if output is None:
            if not rule_ranked:
                return self._fallback(district_name, local_name, text, emergency)
            ranked, review = rule_ranked, rule_ranked[0][1] < self.review_threshold
        else:
            ranked = self._fuse(rule_ranked, output, local_name)
            review = ranked[0][1] < self.classifier_review_threshold
            if not rule_ranked and ranked[0][1] < FALLBACK_BELOW:
                # Nothing recognisable: the usual fallback, the classifier's guesses as suggestions.
                fallback = self._fallback(district_name, local_name, text, emergency)
                return RoutingDecision(**{**fallback.__dict__, "candidates": ranked[:3]})
        department, score, reason = ranked[0]
        if department == LOCAL_LABEL:  # a local matter but no district named: an agent must decide
            department, review = self.fallback_department, True
            ranked = [(department, score, reason), *ranked[1:]]
        neighbours = [(n.source_id, n.label, n.similarity) for n in output.neighbours] if output else []
        return self._decision(text, ranked, review, district_name, local_name, emergency, neighbours)

    def _decision(
        self,
        text: str,
        ranked: list[tuple[str, float, str]],
        needs_review: bool,
        district: str | None,
        local_name: str | None,
        emergency: EmergencyAdvice | None,
        neighbours: list[tuple[str, str, float]],
    ) -> RoutingDecision:
        department, score, reason = ranked[0]
        owner = self.directory.department(department)
        is_local = owner is not None and owner.is_local_government
        matter = self.taxonomy.match(text, LOCAL_LABEL if is_local else department)
        if is_local:
            local_government: str | None = department
        elif matter is None:
            local_government = local_name  # no taxonomy entry: keep the district's government informed
        else:
            local_government = local_name if matter.local else None
        tier = self.taxonomy.tier_for(text, matter)
        transfer_to = self._transfer(matter, owner)
        if emergency is not None:
            tier, transfer_to = URGENT_TIER_FOR_EMERGENCY, emergency.number
        return RoutingDecision(
            department=department,
            score=score,
            reason=reason,
            candidates=ranked[:3],
            local_government=local_government,
            needs_review=needs_review,
            district=district,
            matter=matter.id if matter else None,
            matter_path=matter.path if matter else (),
            tier=tier,
            transfer_to=transfer_to,
            emergency=emergency,
            neighbours=neighbours,
        )

    def _transfer(self, matter: Matter | None, owner: Any) -> str | None:
        if matter is None or not matter.transfer or owner is None:
            return None
        hotline = owner.parallel_hotline
        return hotline if hotline and hotline != self.directory.hotline else None

    def _classify(self, text: str) -> Any:
        if self.classifier is None or self.embed is None or not text:
            return None
        try:
            return self.classifier.predict(text, self.embed)
        except Exception:  # a broken model must not stop work orders being filed
            logger.exception("routing classifier failed; routing on rules only")
            return None

    def _fuse(
        self, rule_ranked: list[tuple[str, float, str]], output: Any, local_name: str | None
    ) -> list[tuple[str, float, str]]:
        """Mix rule confidences and classifier probabilities; scores calibrated to P(correct)."""
        classifier = self.classifier
        if classifier is None:
            raise RuntimeError("fusing scores needs a classifier")
        reasons = {department: reason for department, _, reason in rule_ranked}
        probabilities: dict[str, float] = defaultdict(float)
        for label, probability in output.probabilities.items():
            if label == LOCAL_LABEL and local_name:
                label = local_name
            probabilities[label] += probability
        best = fuse_raw(rule_ranked, probabilities, self.effective_rule_weight)[:3]
        nearest = ",".join(f"{n.source_id}({n.label},{n.similarity:.2f})" for n in output.neighbours)
        ranked = []
        for position, (department, value) in enumerate(best):
            parts = []
            if department in reasons:
                parts.append(reasons[department])
            parts.append(f"classifier:{probabilities.get(department, 0.0):.2f}")
            if position == 0 and nearest:
                parts.append(f"nearest={nearest}")
            calibrated = round(float(classifier.calibrate(value)), 4)
            ranked.append((department, calibrated, "; ".join(parts)))
        return ranked

    def _resolve_district(self, text: str, district: str | None) -> str | None:
        if district:
            found = self.directory.district(district)
            if found is not None:
                return found.name
            named = self.directory.find_district(district)
            if named:
                return named
        return self.directory.find_district(text)

    def _fallback(
        self,
        district: str | None,
        local_government: str | None,
        text: str = "",
        emergency: EmergencyAdvice | None = None,
    ) -> RoutingDecision:
        if local_government:
            department, reason = local_government, f"fallback:local_government district={district}"
        else:
            department, reason = self.fallback_department, "fallback:no_rule_matched"
        decision = self._decision(text, [(department, 0.0, reason)], True, district, local_government, emergency, [])
        return RoutingDecision(**{**decision.__dict__, "candidates": [], "local_government": local_government})

    def _hits(self, text: str) -> list[_Hit]:
        """Every keyword occurrence, minus those inside a longer matched keyword."""
        if not text:
            return []
        hits: list[_Hit] = []
        tokens: list[tuple[int, int, str]] | None = None
        for rule in self.rules:
            for keyword in rule.keywords:
                if len(keyword) > 1:
                    hits += [_Hit(rule, keyword, s, s + len(keyword)) for s in _find_all(text, keyword)]
                    continue
                if tokens is None:
                    tokens = token_spans(text, self._tokenizer)
                hits += [_Hit(rule, keyword, s, e) for s, e, token in tokens if token == keyword]
        return [hit for hit in hits if not any(hit.inside(other) for other in hits)]

    def _rank(self, hits: list[_Hit]) -> list[tuple[str, float, str]]:
        """(department, score, reason) best first."""
        keywords_by_rule: dict[str, list[str]] = defaultdict(list)
        rules_by_id: dict[str, RoutingRule] = {}
        for hit in hits:
            if hit.keyword not in keywords_by_rule[hit.rule.id]:
                keywords_by_rule[hit.rule.id].append(hit.keyword)
            rules_by_id[hit.rule.id] = hit.rule

        raw: dict[str, float] = defaultdict(float)
        evidence: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
        for rule_id, keywords in keywords_by_rule.items():
            rule = rules_by_id[rule_id]
            raw[rule.department] += rule.weight * sum(keyword_strength(k) for k in keywords)
            evidence[rule.department].append((rule_id, keywords))

        ranked = []
        for department, value in raw.items():
            best_other = max((v for d, v in raw.items() if d != department), default=0.0)
            ranked.append((department, confidence(value, best_other), _reason(evidence[department])))
        ranked.sort(key=lambda item: (-item[1], -raw[item[0]]))
        return ranked


def _reason(evidence: list[tuple[str, list[str]]]) -> str:
    rule_ids = "+".join(rule_id for rule_id, _ in evidence)
    keywords = ",".join(k for _, ks in evidence for k in ks)
    return f"rule:{rule_ids} keywords={keywords}"


def _find_all(text: str, needle: str) -> list[int]:
    found, start = [], text.find(needle)
    while start != -1:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


def normalise(text: str | None) -> str:
    """NFKC (full-width → half-width) and stripped."""
    return unicodedata.normalize("NFKC", text or "").strip()


def load_rules_config(city_dir: Path) -> dict[str, Any]:
    with (Path(city_dir) / RULES_FILE).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def parse_rules(config: dict[str, Any]) -> list[RoutingRule]:
    return [
        RoutingRule(
            id=str(raw["id"]),
            department=str(raw["department"]),
            keywords=tuple(str(k).strip() for k in raw["keywords"] if str(k).strip()),
            weight=float(raw.get("weight", 1.0)),
        )
        for raw in config.get("rules") or []
    ]


def _load_classifier(
    model_path: Path | None,
    encoder_dir: Path | None,
    optional: bool,
    engine: str | None = None,
    max_seq_length: int | None = None,
) -> tuple[Any, Any]:
    """(classifier, embed) or (None, None) when there is no usable model: rules only."""
    from routing.classifier import RoutingClassifier, model_files

    if model_path is None:
        return None, None
    manifest, _ = model_files(Path(model_path))  # refuses a .pkl path: pickles are never opened
    if not manifest.exists():
        if not optional:
            raise FileNotFoundError(f"routing model {manifest} not found; run `hotline routing train`")
        if (manifest.parent / "model.pkl").exists():
            logger.warning("ignoring the old pickled routing model in %s; run `hotline routing train`", manifest.parent)
        return None, None
    if encoder_dir is None:
        raise ValueError("a routing model needs the e5 model folder its features come from (encoder_dir)")
    embedder = _embedder(encoder_dir, engine, max_seq_length)
    if embedder is None:
        return None, None
    try:
        return RoutingClassifier.load(manifest), embedder
    except Exception:  # an unreadable model must not stop the router
        logger.exception("could not load routing model %s: rules only", manifest)
        return None, None


def _embedder(model_dir: Path, engine: str | None, max_seq_length: int | None) -> Any:
    from routing.embedding import LazyEmbedder

    embedder = LazyEmbedder(model_dir, engine, max_seq_length)
    if not embedder.available():
        logger.warning("routing model found but no embedding model in %s: rules only", embedder.model_dir)
        return None
    return embedder


def fuse_raw(
    rule_ranked: list[tuple[str, float, str]], probabilities: dict[str, float], rule_weight: float
) -> list[tuple[str, float]]:
    """Uncalibrated fused scores, best first: rule_weight × rule confidence + rest × probability."""
    rules = {department: score for department, score, _ in rule_ranked}
    weight = rule_weight if rules else 0.0
    fused = {
        d: weight * rules.get(d, 0.0) + (1 - weight) * probabilities.get(d, 0.0)
        for d in set(rules) | set(probabilities)
    }
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
