# SCFM developer commands. `make run` and `make test` work on a fresh machine with Python >= 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SIMULATOR_PORT ?= 8001
export PORT SIMULATOR_PORT

.PHONY: install browser run test lint fmt messages migrate serve clean

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
# its own browser here); install it when it is missing and we may (root with apt-get).
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-khmeros >/dev/null) \
	      || echo "could not install chromium: browser tests will be skipped"; \
	  else echo "no /usr/bin/chromium: browser tests will be skipped (apt-get install chromium)"; fi; }

test: install browser
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the Khmer catalog from the code and templates, then compile it (needs GNU gettext).
messages: install
	cd scfm && ../$(BIN)/django-admin makemessages --settings=config.settings --pythonpath=.. \
	  -l km --no-location --ignore='simulator/*' --ignore='engine/*' --ignore='api/*'
	cd scfm && ../$(BIN)/django-admin compilemessages --settings=config.settings --pythonpath=..

clean:
	rm -rf $(VENV) var staticfiles
