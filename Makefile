# trustledger: `make demo` runs the whole flow on the embedded default,
# `make test` runs every test. Both install what they need first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The pages' ES modules (web/), bundled by esbuild from node_modules (no CDN).
WEB_DIST := backend/web/static/dist/.built
WEB_SOURCES := $(wildcard web/*/*.js)

# Debian packages the tests use: docker-compose validates the compose file without an
# engine, caddy validates the proxy config, chromium (+ its driver) renders the consumer
# page in a real browser, pg_dump/pg_restore (postgresql-client) back up PostgreSQL.
# Installed only when missing (needs root).
SYSTEM_TOOLS := docker-compose caddy chromium chromedriver promtool pg_dump pg_restore

.PHONY: install system-tools web demo demo-serve test bench clean

install: $(STAMP) node_modules/.package-lock.json $(WEB_DIST)

system-tools:
	@missing=""; for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	missing=$$(echo "$$missing" | sed 's/chromedriver/chromium-driver/; s/promtool/prometheus/; s/pg_dump/postgresql-client/; s/ pg_restore//'); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "missing$$missing: the tests that need them are skipped (install as root with apt-get)"; fi; \
	fi
	@# A CJK font, so the Chinese pages' screenshots show glyphs (the tests pass without it).
	@if ! fc-list :lang=zh 2>/dev/null | grep -q . && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; fi

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch node_modules/.package-lock.json

web: $(WEB_DIST)

$(WEB_DIST): $(WEB_SOURCES) node_modules/.package-lock.json
	npm run --silent build:web
	touch $(WEB_DIST)

demo: install
	$(BIN)/python scripts/demo.py

# The demo, then its chain and API kept running (the pages at the URLs it prints) until Ctrl-C.
demo-serve: install
	$(BIN)/python scripts/demo.py --serve

test: install system-tools
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: install
	for script in scripts/bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf build .pytest_cache backend/web/static/dist
