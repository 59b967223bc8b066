# trustledger: `make demo` runs the whole flow on the embedded default,
# `make test` runs every test. Both install what they need first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Debian packages the tests use: docker-compose validates the compose file without an
# engine, caddy validates the proxy config, chromium (+ its driver) renders the consumer
# page in a real browser. Installed only when missing (needs root).
SYSTEM_TOOLS := docker-compose caddy chromium chromedriver promtool

.PHONY: install system-tools demo test bench clean

install: $(STAMP) node_modules/.package-lock.json

system-tools:
	@missing=""; for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	missing=$$(echo "$$missing" | sed 's/chromedriver/chromium-driver/; s/promtool/prometheus/'); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "missing$$missing: the tests that need them are skipped (install as root with apt-get)"; fi; \
	fi

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch node_modules/.package-lock.json

demo: install
	$(BIN)/python scripts/demo.py

test: install system-tools
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: install
	for script in scripts/bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf build .pytest_cache
