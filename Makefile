# Two commands matter: `make demo` and `make test`. Both run the idempotent set-up first (scripts/setup.sh).
PY := .venv/bin/python
PYTEST := $(PY) -m pytest
# Files that are not part of the indexer/micropip_ext packages but are type-checked too (web/py: the page's
# Python, checked against the real micropip_ext API it calls).
MYPY_EXTRA := scripts conftest.py tests/support web/py

.PHONY: setup demo test test-unit test-node test-browser lint lint-js clean clean-cache

setup:
	@bash scripts/setup.sh

demo: setup
	$(PY) -m scripts.demo

# The whole suite: lint, then every tier (CPython unit, Pyodide in Node, headless Chromium) in one pytest run.
test: setup lint
	$(PYTEST)

test-unit: setup
	$(PYTEST) -m "not pyodide and not browser"

test-node: setup
	$(PYTEST) -m "pyodide and not browser"

test-browser: setup
	$(PYTEST) -m browser

lint: setup lint-js
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/mypy $(MYPY_EXTRA)

# The page's JavaScript: ESLint (eslint.config.mjs) and TypeScript over its JSDoc types (tsconfig.json, checkJs);
# both pinned in package.json, installed by `npm ci` in set-up.
lint-js: setup
	node_modules/.bin/eslint web/
	node_modules/.bin/tsc -p tsconfig.json

# Removes everything set-up builds; the download cache (.cache/) stays so set-up works offline. clean-cache drops it.
clean:
	rm -rf build .venv node_modules .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

clean-cache: clean
	rm -rf .cache
