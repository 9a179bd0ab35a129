# SCFM developer commands. `make run` and `make test` work on a fresh machine with Python >= 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SIMULATOR_PORT ?= 8001
export PORT SIMULATOR_PORT

.PHONY: install run test lint fmt migrate serve clean

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

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var staticfiles
