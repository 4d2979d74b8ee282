# vsh: `make run` shows the main job on libvirt's test driver; `make test` runs every test.
# Both install what is missing first: Debian packages (as root), a .venv, vsh in editable mode.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.vsh-installed
DEB_PKGS := libvirt-dev pkg-config libvirt-clients man-db time tmux zsh fish openssh-server netcat-openbsd

.PHONY: all setup deps run test fuzz lint index man bench upstream-tests clean

all: test

deps:
	@sh scripts/ensure-debs.sh $(DEB_PKGS)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check \
		--config-settings editable_mode=compat -e '.[test]'
	@touch $(STAMP)

# Bytecode is compiled up front: with PYTHONDONTWRITEBYTECODE set, every start
# would otherwise recompile vsh from source (a third of its start-up time).
setup: deps $(STAMP)
	@$(PY) -m compileall -q vsh

run: setup
	@sh scripts/demo.sh $(VENV)/bin/vsh

# The second pass runs every differential test again through the warm server
# (tests/warmmode.py): the same outputs must come out of a forked worker.
test: setup
	$(PY) -m pytest tests
	VSH_TEST_WARM=1 $(PY) -m pytest -q tests/conformance tests/test_upstream.py tests/test_cli.py

# The generated differential test (tests/conformance/test_generated.py) with one
# seed and COUNT cases; `make test` runs its fixed seeds.  SEED defaults to the clock.
SEED ?= $(shell date +%s)
COUNT ?= 300
fuzz: setup
	VSH_FUZZ_SEED=$(SEED) VSH_FUZZ_COUNT=$(COUNT) $(PY) -m pytest tests/conformance/test_generated.py

lint: setup
	$(VENV)/bin/ruff check vsh tests benchmarks scripts
	$(VENV)/bin/ruff format --check vsh tests benchmarks
	$(VENV)/bin/mypy

index: setup
	$(PY) -m vsh.devtools.tablegen

man: setup
	$(PY) -m vsh.devtools.manpage

bench: setup
	$(PY) -m benchmarks

# libvirt 9.0's own tests/virsh-* scripts against vsh (UPSTREAM_SCRIPTS= to choose)
upstream-tests: setup
	@sh scripts/upstream-tests.sh $(UPSTREAM_SCRIPTS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
