# Developer commands. `make run` and `make test` work on a fresh machine with no services.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
APPS_WITH_LOCALE := accounts audit notifications organisations missions declarations brochures staff dashboard

# `make test` runs the suite in this many processes (pytest-xdist) when DATABASE_URL is set (the
# services, as in CI); without it, in one process. TEST_WORKERS=0: one process; auto: one per core.
TEST_WORKERS ?= $(if $(DATABASE_URL),2,0)

.PHONY: run test lint format worker beat messages compilemessages install bench clean oidc pki tsa docs

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

compilemessages: $(STAMP)
	$(PY) manage.py compilemessages --ignore "$(VENV)/*" --ignore "node_modules/*" >/dev/null

run: $(STAMP) compilemessages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP) compilemessages
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The generated documents, from the code: docs/domain.md (lifecycles, policies) and
# docs/configuration.md (every environment variable). Tests fail while either differs.
docs: $(STAMP)
	$(PY) manage.py domain_doc --write
	$(PY) manage.py settings_doc --write

# The test OpenID Provider with the eHerkenning demo accounts (docs/eherkenning.md),
# next to `make run`; start the portal with the OIDC_* variables printed here.
oidc:
	cd tests/oidc && npm ci --no-audit --no-fund --silent
	@echo "Portal: OIDC_ISSUER=http://127.0.0.1:9090 OIDC_CLIENT_ID=imvo-portal OIDC_CLIENT_SECRET=imvo-demo-secret make run"
	cd tests/oidc && OIDC_PROVIDER_PORT=9090 node provider.mjs

# The TEST PKI of the evidence (certomancer; keys made outside the repository, in EVIDENCE_PKI_DIR) and
# its RFC 3161 TSA on port 9077, next to `make run`; start the portal with the settings `make pki` prints.
pki: $(STAMP)
	$(PY) manage.py evidence_pki

tsa: pki
	$$($(PY) manage.py evidence_pki --animate-command)

worker: $(STAMP) compilemessages
	$(BIN)/celery -A imvo_portal worker -l INFO -c 2

beat: $(STAMP)
	$(BIN)/celery -A imvo_portal beat -l INFO --schedule /tmp/imvo-celerybeat-schedule

messages: $(STAMP)
	$(PY) manage.py makemessages -l nl -l en --ignore "$(VENV)/*" --ignore "tests/*" --ignore "static/*" \
		$(foreach app,missions instruments privacy declarations brochures staff dashboard,--ignore "$(app)/*")
	for app in missions instruments privacy declarations brochures staff dashboard; do \
		if [ -d $$app/locale ]; then (cd $$app && ../$(BIN)/django-admin makemessages -l nl -l en); fi; done

bench: $(STAMP) compilemessages
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles test-artifacts .pytest_cache .ruff_cache

