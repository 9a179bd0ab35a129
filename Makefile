# SCFM developer commands. `make run` and `make test` work on a fresh machine with Python >= 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SIMULATOR_PORT ?= 8001
export PORT SIMULATOR_PORT

.PHONY: install browser run test lint imports fmt typecheck messages migrate serve clean

$(BIN)/scfm: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(BIN)/scfm

install: $(BIN)/scfm

migrate: install
	mkdir -p var
	$(BIN)/scfm migrate --noinput

# web + engine + simulator; Ctrl-C stops all three.
run: migrate
	$(BIN)/scfm bootstrap
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/scfm simulator --port $(SIMULATOR_PORT) & \
	$(BIN)/scfm engine & \
	$(BIN)/scfm serve --host 127.0.0.1 --port $(PORT)

# The dashboard's browser tests drive Debian's chromium through Playwright (which cannot download
# its own browser here), with Khmer fonts; the catalog test uses GNU gettext. Installed when
# missing and we may (root with apt-get).
browser:
	@test -x /usr/bin/chromium -a -x /usr/bin/xgettext || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium, Khmer fonts and gettext for the tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium fonts-khmeros gettext >/dev/null) || echo "could not install them: some tests will be skipped"; \
	  else echo "no /usr/bin/chromium or xgettext: browser and catalog tests will be skipped"; fi; }

test: install browser
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The layers of docs/architecture.md (import-linter contracts in pyproject.toml).
imports: install
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# mypy with django-stubs, on the files and strictness set in pyproject.toml's [tool.mypy].
typecheck: install
	$(BIN)/mypy

# Refresh the Khmer catalog from the code and templates, then compile it (needs GNU gettext).
messages: install
	cd scfm && PYTHONPATH=.. ../$(BIN)/python -m django makemessages --settings=config.settings \
	  -l km --no-location --ignore='simulator/*' --ignore='engine/*' --ignore='api/*'
	cd scfm && PYTHONPATH=.. ../$(BIN)/python -m django compilemessages --settings=config.settings

clean:
	rm -rf $(VENV) var staticfiles
