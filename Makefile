# The two commands a fresh clone needs: `make generate`, then `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# A spec to generate from instead of the pinned one: a path or URL (a running DQOps:
# http://localhost:8888/swagger-api/dqops-api-openapi-3.json). See README.md.
SOURCE ?=
RAW_SPEC := openapi/dqops-api-openapi-3.raw.json
CONVERTED_SPEC := openapi/dqops-api-openapi-3.converted.json
CLEANED_SPEC := openapi/dqops-api-openapi-3.cleaned.json
PREVIOUS_SPEC := openapi/dqops-api-openapi-3.previous.json
NAMES_LOCK := openapi/names.lock.json
# Enum names as upstream's client and docs give them (scripts/reference_names.py; `make reference-names`).
REFERENCE_NAMES := openapi/reference-names.json

SPEC_LOCK := openapi/spec.lock.json
# What each step reads: a step reruns when one of these is newer than what it wrote, and only then.
# The spec pipeline (scripts/pipeline.py) and its modules:
SPEC_SCRIPTS := $(addprefix scripts/,__init__.py pipeline.py fetch_spec.py convert_swagger2.py clean_spec.py \
	stable_names.py spec_io.py operations.py)
SPEC_INPUTS := $(SPEC_LOCK) openapi/overlay.json $(NAMES_LOCK) $(REFERENCE_NAMES) $(SPEC_SCRIPTS)
# Generation reads every module of scripts/ but those that only compare, document or demonstrate
# (generate_docs.py and docs_samples.py make the answers of dqops/client/_fake_routes.json).
NOT_GENERATOR := $(addprefix scripts/,api_diff.py sdk_surface.py demo.py prism.py reference_names.py \
	upstream_surface.py upstream_docs.py)
GENERATOR_INPUTS := $(CLEANED_SPEC) $(SPEC_LOCK) generator-config.yaml $(shell find templates -type f) \
	$(filter-out $(NOT_GENERATOR),$(wildcard scripts/*.py))
# Written last by `make generate`, inside the client: removing dqops/client removes it too.
CLIENT_STAMP := dqops/client/.stamp
# The SOURCE the cleaned spec was made from (empty: the pinned spec): going back to the pin reruns
# the pipeline too.
SOURCE_STAMP := .make/spec-source

.PHONY: venv spec generate docs docs-serve test dist node-deps bench demo api-diff update-pin reference-names clean FORCE

# The development tools are the `dev` group of pyproject.toml (PEP 735, `pip install --group`:
# pip 25.1 or newer); it pins the runtime dependencies too. The editable install reads its
# version from dqops/_version.py, which scripts.generate (it needs the tools) writes from the
# lock before the client is generated.
$(VENV)/.installed: pyproject.toml $(SPEC_LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check 'pip>=25.1'
	$(PY) -m pip install --quiet --disable-pip-version-check --group dev
	$(PY) -m scripts.generate --version-only
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --config-settings editable_mode=compat -e .
	touch $@

venv: $(VENV)/.installed

node_modules/.installed: package-lock.json
	SCARF_ANALYTICS=false npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-deps: node_modules/.installed

# A SOURCE is fetched anew each time it is given (what it names may have changed), and the pinned
# spec once more after one was.
ifneq ($(SOURCE),$(shell cat $(SOURCE_STAMP) 2>/dev/null))
$(CLEANED_SPEC): FORCE
else ifneq ($(SOURCE),)
$(CLEANED_SPEC): FORCE
endif
$(CLEANED_SPEC): $(SPEC_INPUTS) $(VENV)/.installed node_modules/.installed
	$(PY) -m scripts.pipeline $(if $(SOURCE),--source '$(SOURCE)')
	@mkdir -p $(dir $(SOURCE_STAMP)) && echo '$(SOURCE)' > $(SOURCE_STAMP)

$(CLIENT_STAMP): $(GENERATOR_INPUTS) $(VENV)/.installed
	$(PY) -m scripts.generate
	touch $@

FORCE:

## spec: fetch the pinned spec (or SOURCE), check its checksum, convert Swagger 2, clean, validate, keep names stable
spec: $(CLEANED_SPEC)

## generate: spec, then render templates/ into dqops/client (installed in .venv, editable); only what changed
generate: $(CLIENT_STAMP)

## docs: the reference pages of the generated client (docs/client/), then the site into site/ (mkdocs --strict)
docs: $(CLIENT_STAMP)
	$(PY) -m scripts.generate_docs
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

## docs-serve: the site on http://127.0.0.1:8000 (PORT=...), with search, which needs a server
docs-serve: docs
	$(PY) -m http.server --bind 127.0.0.1 --directory site $(or $(PORT),8000)

## test: generate, then run every test (docs examples, respx, Prism, property tests, mypy)
# Test processes (pytest-xdist): one per core of the CI machine; TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= 2
test: $(CLIENT_STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

## dist: the sdist and the wheel, both holding the generated client, into dist/ (checked by twine)
dist: $(CLIENT_STAMP)
	rm -rf dist
	$(PY) -m build --outdir dist .
	$(PY) -m twine check --strict dist/*
	@ls -l dist

## bench: the benchmarks of README.md, side by side with upstream's client (installed apart)
bench: $(CLIENT_STAMP)
	$(PY) -m scripts.bench.run

## demo: the seed page's guide, sync and async, against dqops.testing.FakeDQOps (python -m scripts.demo --prism: Prism)
demo: $(CLIENT_STAMP)
	$(PY) -m scripts.demo $(if $(PORT),--port $(PORT))

## api-diff: what changed for SDK users between two specs: make api-diff OLD=path NEW=path [ARGS=--json]
api-diff: venv node-deps
	@test -n '$(OLD)' -a -n '$(NEW)' || { echo 'usage: make api-diff OLD=PATH NEW=PATH [ARGS="--json --fail-on-breaking"]' >&2; exit 2; }
	$(PY) -m scripts.api_diff '$(OLD)' '$(NEW)' $(ARGS)

## update-pin: accept a new spec: fetch, verify, regenerate, print (and save) the API diff
update-pin: venv node-deps
	@test -n '$(SOURCE)' || { echo 'usage: make update-pin SOURCE=PATH|URL [DQOPS_VERSION=x.y.z]' >&2; exit 2; }
	$(MAKE) spec SOURCE=
	cp $(CLEANED_SPEC) $(PREVIOUS_SPEC)
	cp $(SPEC_LOCK) openapi/spec.lock.json.new
	$(PY) -m scripts.pipeline --source '$(SOURCE)' --update-pin --lock openapi/spec.lock.json.new $(if $(DQOPS_VERSION),--dqops-version '$(DQOPS_VERSION)') \
		--previous $(PREVIOUS_SPEC) --write-names-lock $(NAMES_LOCK).new
	$(PY) -m scripts.generate --lock openapi/spec.lock.json.new
	mv openapi/spec.lock.json.new $(SPEC_LOCK)
	mv $(NAMES_LOCK).new $(NAMES_LOCK)
	mkdir -p $(dir $(SOURCE_STAMP)) && echo '' > $(SOURCE_STAMP)
	touch $(CLEANED_SPEC) $(CLIENT_STAMP)
	$(PY) -m scripts.api_diff $(PREVIOUS_SPEC) $(CLEANED_SPEC) | tee openapi/api-diff.txt

## reference-names: collect enum names from upstream's client snapshot and client references (../shared)
REFERENCE_DOCS ?= ../shared/dqops-docs-1.11.0 ../shared/dqops-docs
UPSTREAM_SURFACE ?= openapi/upstream/dqops-1.13.1.surface.json
reference-names: venv
	$(PY) -m scripts.reference_names $(if $(wildcard $(UPSTREAM_SURFACE)),--upstream-surface $(UPSTREAM_SURFACE)) \
		$(foreach docs,$(REFERENCE_DOCS),--docs $(docs)) --out $(REFERENCE_NAMES)

clean:
	rm -rf $(VENV) node_modules .make dqops/client dqops/_version.py dist build docs/client docs/index.md site \
		openapi/*.raw.json openapi/*.converted.json openapi/*.cleaned.json \
		openapi/*.generator.json openapi/*.previous.json openapi/*.new
