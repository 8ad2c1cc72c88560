# The two commands of the README:
#   make demo   set up (venv, build) and export every survey of the bundled fake
#   make test   set up, then lint, run every test (cargo test + pytest) and build the docs
# Needs only python3 (>= 3.10) and a Rust toolchain; everything else installs itself.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# One interpreter for every cargo call, so pyo3's build script never sees a different one
# (a switch rebuilds the pyo3 chain).
export PYO3_PYTHON := $(abspath $(PY))

.PHONY: demo test bench build venv lint types deny cargo-test pytest docs docs-build notebook clean

demo: build
	$(PY) -m hotjar_client.demo

test: build lint types cargo-test pytest docs-build

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet 'maturin>=1.9.4,<2'
	touch $@

venv: $(VENV)/.created

# Release build of the extension, installed in editable mode with the test extras.
build: venv
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --release --extras test

lint: venv deny
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --all-features -- -D warnings
	$(VENV)/bin/ruff check python tests benches docs

# Licenses, banned crates and sources of every dependency (deny.toml), offline, when cargo-deny
# is installed: installing it compiles for about 10 minutes on 2 cores, too long for every CI
# run (`cargo install cargo-deny --locked`). Advisories need the RustSec database from GitHub:
# `cargo deny check advisories` where GitHub is reachable.
deny:
	@if command -v cargo-deny >/dev/null; then \
		cargo deny --offline check licenses bans sources; \
	else \
		echo "cargo-deny is not installed: dependency licenses and sources not checked"; \
	fi

# The package's types: mypy (strict, pyproject.toml), and the native module's stub checked
# against the built module (allowed differences, each with its reason, in the allowlist).
types: build
	$(PY) -m mypy --config-file pyproject.toml -p hotjar_client
	$(PY) -m mypy.stubtest hotjar_client --mypy-config-file pyproject.toml \
		--allowlist tests/stubtest-allowlist.txt

cargo-test:
	cargo test --workspace

pytest: build
	$(PY) -m pytest

# The documentation site (docs/, mkdocs.yml). --strict: a broken link, a page left out of the
# nav or a docstring mkdocstrings cannot read fails the build. The API reference is read from
# the installed package, hence the build first.
docs-build: build
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet --site-dir target/site

docs: build
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve

# Re-runs notebooks/quickstart.ipynb and commits nothing: writes its fresh outputs into the
# file (tests/python/test_notebooks.py fails while they differ from a fresh run's).
notebook: build
	HOTJAR_REGENERATE_NOTEBOOKS=1 $(PY) -m pytest -q tests/python/test_notebooks.py

# Benchmarks against the code users would otherwise write; figures in benches/README.md.
bench: venv
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --release --extras test,bench
	$(PY) benches/run_all.py

clean:
	rm -rf $(VENV) target demo-export site
