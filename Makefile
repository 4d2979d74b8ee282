# vsh: `make run` shows the main job on libvirt's test driver; `make test` runs every test.
# Both install what is missing first: Debian packages (as root), a .venv, vsh in editable mode.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.vsh-installed
DEB_PKGS := libvirt-dev pkg-config libvirt-clients man-db

.PHONY: all setup deps run test lint index man bench upstream-tests clean

all: test

deps:
	@sh scripts/ensure-debs.sh $(DEB_PKGS)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

setup: deps $(STAMP)

run: setup
	@sh scripts/demo.sh $(VENV)/bin/vsh

test: setup
	$(PY) -m pytest tests

lint: setup
	$(VENV)/bin/ruff check vsh tests benchmarks scripts
	$(VENV)/bin/ruff format --check vsh tests benchmarks

index: setup
	$(PY) -m vsh.tablegen

man: setup
	$(PY) -m vsh.manpage

bench: setup
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
