# `make run` and `make test` each set up .venv by themselves on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	@$(PY) -m bot

# The browser tests drive the system's Chromium (/usr/bin/chromium), and the PostgreSQL tests start
# Debian's PostgreSQL server (/usr/lib/postgresql/*/bin) on a temporary unix socket themselves;
# both are installed where missing (root or passwordless sudo, apt). Without them those tests
# skip locally and fail under CI.
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy
	@MISSING=; \
	[ -x /usr/bin/chromium ] || MISSING="$$MISSING chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || MISSING="$$MISSING postgresql"; \
	if [ -n "$$MISSING" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=no; fi; \
	  if [ "$$SUDO" != no ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing$$MISSING for the tests (apt-get install$$MISSING)"; \
	    ($$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq $$MISSING >/dev/null) \
	      || echo "could not install$$MISSING: those tests will skip (and fail under CI)"; \
	  else \
	    echo "missing:$$MISSING (apt-get install$$MISSING): those tests will skip (and fail under CI)"; \
	  fi; \
	fi
	$(PY) -m pytest

# After adding or changing a text: the template from the code, merged into every catalog (new
# texts arrive untranslated, and tests/unit/test_catalogs.py fails until each is translated).
LANGS := en de ru
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k Msg -k Plural:1,2 -k N_ -c TRANSLATORS: --no-location --omit-header \
	  --sort-output --project sourdough-bot -o bot/locales/messages.pot .
	for lang in $(LANGS); do \
	  if [ -f bot/locales/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(VENV)/bin/pybabel update --no-fuzzy-matching --ignore-pot-creation-date \
	      -i bot/locales/messages.pot -d bot/locales -l $$lang; \
	  else \
	    $(VENV)/bin/pybabel init -i bot/locales/messages.pot -d bot/locales -l $$lang; \
	  fi; \
	done

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

bench: $(STAMP)
	for f in bench/bench_*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV)
