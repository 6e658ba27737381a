# The two commands a fresh clone needs: `make generate`, then `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# A spec to generate from instead of the pinned one: a path or URL (a running DQOps:
# http://localhost:8888/swagger-api/dqops-api-openapi-3.json). See README.md.
SOURCE ?=
RAW_SPEC := openapi/dqops-api-openapi-3.raw.json
CLEANED_SPEC := openapi/dqops-api-openapi-3.cleaned.json

.PHONY: venv spec generate test node-deps clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

## spec: fetch the pinned DQOps spec (or SOURCE), check its checksum, clean and validate it
spec: venv
	$(PY) scripts/fetch_spec.py $(if $(SOURCE),--source '$(SOURCE)')
	$(PY) scripts/clean_spec.py $(RAW_SPEC) $(CLEANED_SPEC) --overlay openapi/overlay.json

## generate: spec, then render templates/ into dqops/client (installed in .venv, editable)
generate: spec
	$(PY) scripts/generate.py

node_modules/.installed: package-lock.json
	SCARF_ANALYTICS=false npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-deps: node_modules/.installed

## test: generate, then run every test (docs examples, respx, Prism)
test: generate node-deps
	$(PY) -m pytest

clean:
	rm -rf $(VENV) node_modules dqops/client openapi/*.raw.json openapi/*.cleaned.json openapi/*.generator.json
