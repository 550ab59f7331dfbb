# `make test` is the one command: venv, npm tools, lint, servers, pytest (see deploy/local/test.sh).
SHELL := /bin/bash
VENV := .venv
VENV_STAMP := $(VENV)/.installed-from-pyproject
SERVERS := deploy/local/servers.sh

.PHONY: help test venv npm servers servers-down servers-status lint lint-python lint-bpmn lint-deploy run pyzeebe-suite diagram-image monitor-assets monitor-screenshots

help:
	@echo "make test            venv + npm + lint + servers + pytest; stops the servers it started"
	@echo "                     (KEEP_SERVERS=1 keeps them; PYTEST_ARGS='-k kafka' narrows pytest)"
	@echo "make servers         start PostgreSQL, MariaDB, Redis and Kafka on 127.0.0.1"
	@echo "make servers-down    stop the servers started from this checkout"
	@echo "make servers-status  which of them are running"
	@echo "make lint            ruff, mypy, bpmnlint, deploy/ checks (docker-compose config, yamllint, kustomize)"
	@echo "make venv | npm      the Python virtualenv | the BPMN lint tools"
	@echo "make pyzeebe-suite   pyzeebe's own integration tests (from its sdist) against the local engine"
	@echo "make diagram-image   render bpmn/checkout.bpmn to docs/checkout.png (bpmn-js in headless Chromium)"
	@echo "make monitor-assets  the engine monitor's bpmn-js viewer into engine/monitor/static/vendor/"
	@echo "make monitor-screenshots  docs/monitor-list.png and docs/monitor-instance.png from a real engine"
	@echo "make run             the whole stack: engine, services, workers, gateway on 127.0.0.1 (Ctrl-C stops)"

test:
	@deploy/local/test.sh $(PYTEST_ARGS)

venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml
	test -x $(VENV)/bin/python || python3.11 -m venv $(VENV)
	$(VENV)/bin/pip install -q -e '.[dev]'
	@touch $@

npm:
	@deploy/local/npm.sh

servers:
	@$(SERVERS) up

servers-down:
	@$(SERVERS) down

servers-status:
	@$(SERVERS) status

# promtool, docker-compose, yamllint and kustomize come with lint (deploy/local/prometheus.sh,
# compose_tools.sh, kustomize.sh): `make test` lints before pytest needs them.
lint: lint-python lint-bpmn lint-deploy
	@deploy/local/prometheus.sh

# No container engine or cluster here: the compose file is validated and the overlays rendered.
lint-deploy:
	@deploy/local/compose_tools.sh
	@deploy/local/kustomize.sh
	env -i PATH="$$PATH" HOME="$$HOME" docker-compose --env-file deploy/compose/.env.example -f deploy/compose/docker-compose.yml config -q
	yamllint --strict -c deploy/compose/.yamllint deploy/compose deploy/k8s

lint-python: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Every diagram is linted on its own; no diagrams at all is fine.
lint-bpmn: npm
	@status=0; \
	for diagram in bpmn/*.bpmn; do \
	  [ -e "$$diagram" ] || continue; \
	  echo "bpmnlint $$diagram"; \
	  node_modules/.bin/bpmnlint "$$diagram" || status=1; \
	done; \
	exit $$status

pyzeebe-suite: venv
	$(VENV)/bin/python -m tests.pyzeebe_suite $(PYTEST_ARGS)

# Debian's chromium drives the rendering; Playwright's own browser download does not work here.
diagram-image: npm
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; }
	node tools/render_bpmn/render.mjs bpmn/checkout.bpmn docs/checkout.png

# The engine serves /monitor without it; only the instance page's diagram needs these files.
monitor-assets:
	@deploy/local/monitor.sh

# The README's monitor screenshots: a real engine driven through checkouts, photographed by chromium.
monitor-screenshots: venv
	@deploy/local/monitor.sh --browser
	$(VENV)/bin/python -m tools.monitor_screenshots --out docs

# The whole stack on embedded defaults (local engine, SQLite files under var/); Ctrl-C stops it.
run: venv monitor-assets
	$(VENV)/bin/checkout-saga up
