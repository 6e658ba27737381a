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

.PHONY: venv spec generate docs test dist node-deps bench demo api-diff update-pin reference-names clean

# The editable install reads its version from dqops/_version.py, which the lock gives before
# the client is generated.
$(VENV)/.installed: pyproject.toml openapi/spec.lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) scripts/generate.py --version-only
	$(PY) -m pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

node_modules/.installed: package-lock.json
	SCARF_ANALYTICS=false npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-deps: node_modules/.installed

## spec: fetch the pinned spec (or SOURCE), check its checksum, convert Swagger 2, clean, validate, keep names stable
spec: venv node-deps
	$(PY) scripts/fetch_spec.py $(if $(SOURCE),--source '$(SOURCE)')
	$(PY) scripts/convert_swagger2.py $(RAW_SPEC) $(CONVERTED_SPEC)
	$(PY) scripts/clean_spec.py $(CONVERTED_SPEC) $(CLEANED_SPEC) --overlay openapi/overlay.json
	$(PY) scripts/stable_names.py $(CLEANED_SPEC) --previous $(NAMES_LOCK) --reference $(REFERENCE_NAMES) --out $(CLEANED_SPEC) --quiet

## generate: spec, then render templates/ into dqops/client (installed in .venv, editable)
generate: spec
	$(PY) scripts/generate.py

## docs: the reference pages of the generated client (docs/client/), then the site into site/ (mkdocs --strict)
docs: generate
	$(PY) scripts/generate_docs.py
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

## test: generate, then run every test (docs examples, respx, Prism, property tests, mypy)
# Test processes (pytest-xdist): one per core of the CI machine; TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= 2
test: generate
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

## dist: the sdist and the wheel, both holding the generated client, into dist/ (checked by twine)
dist: generate
	rm -rf dist
	$(PY) -m build --outdir dist .
	$(PY) -m twine check --strict dist/*
	@ls -l dist

## bench: the benchmarks of README.md, side by side with upstream's client (installed apart)
bench: generate
	$(PY) scripts/bench/run.py

## demo: the seed page's guide, sync and async, against dqops.testing.FakeDQOps (scripts/demo.py --prism: Prism)
demo: generate
	$(PY) scripts/demo.py $(if $(PORT),--port $(PORT))

## api-diff: what changed for SDK users between two specs: make api-diff OLD=path NEW=path [ARGS=--json]
api-diff: venv node-deps
	@test -n '$(OLD)' -a -n '$(NEW)' || { echo 'usage: make api-diff OLD=PATH NEW=PATH [ARGS="--json --fail-on-breaking"]' >&2; exit 2; }
	$(PY) scripts/api_diff.py '$(OLD)' '$(NEW)' $(ARGS)

## update-pin: accept a new spec: fetch, verify, regenerate, print (and save) the API diff
update-pin: venv node-deps
	@test -n '$(SOURCE)' || { echo 'usage: make update-pin SOURCE=PATH|URL [DQOPS_VERSION=x.y.z]' >&2; exit 2; }
	$(MAKE) spec SOURCE=
	cp $(CLEANED_SPEC) $(PREVIOUS_SPEC)
	cp openapi/spec.lock.json openapi/spec.lock.json.new
	$(PY) scripts/fetch_spec.py --source '$(SOURCE)' --update-pin --lock openapi/spec.lock.json.new $(if $(DQOPS_VERSION),--dqops-version '$(DQOPS_VERSION)')
	$(PY) scripts/convert_swagger2.py $(RAW_SPEC) $(CONVERTED_SPEC)
	$(PY) scripts/clean_spec.py $(CONVERTED_SPEC) $(CLEANED_SPEC) --overlay openapi/overlay.json
	$(PY) scripts/stable_names.py $(CLEANED_SPEC) --previous $(PREVIOUS_SPEC) --reference $(REFERENCE_NAMES) --out $(CLEANED_SPEC) --write-lock $(NAMES_LOCK).new
	$(PY) scripts/generate.py --lock openapi/spec.lock.json.new
	mv openapi/spec.lock.json.new openapi/spec.lock.json
	mv $(NAMES_LOCK).new $(NAMES_LOCK)
	$(PY) scripts/api_diff.py $(PREVIOUS_SPEC) $(CLEANED_SPEC) | tee openapi/api-diff.txt

## reference-names: collect enum names from upstream's client snapshot and client references (../shared)
REFERENCE_DOCS ?= ../shared/dqops-docs-1.11.0 ../shared/dqops-docs
UPSTREAM_SURFACE ?= tests/upstream/dqops-1.13.1.surface.json
reference-names: venv
	$(PY) scripts/reference_names.py $(if $(wildcard $(UPSTREAM_SURFACE)),--upstream-surface $(UPSTREAM_SURFACE)) \
		$(foreach docs,$(REFERENCE_DOCS),--docs $(docs)) --out $(REFERENCE_NAMES)

clean:
	rm -rf $(VENV) node_modules dqops/client dqops/_version.py dist build docs/client docs/index.md site \
		openapi/*.raw.json openapi/*.converted.json openapi/*.cleaned.json \
		openapi/*.generator.json openapi/*.previous.json openapi/*.new
