# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
PACKAGES := -e ./core -e ./sdk $(foreach p,$(wildcard plugins/*/pyproject.toml),-e ./$(dir $(p)))

.PHONY: install run test bench

install:
	$(PIP) install -q $(PACKAGES) pytest pytest-timeout httpx pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg pylibjpeg-rle dicomweb-client

# Start Donjon on its embedded defaults (SQLite index + ./OrthancStorage), like `Orthanc`.
run:
	$(PIP) install -q -e ./core
	donjon --verbose

# Install what the tests need (DCMTK, Debian's Orthanc as the oracle, Python packages) and run them.
test:
	bash scripts/install-test-deps.sh
	$(MAKE) install
	$(PYTHON) -m pytest $(PYTEST_ARGS)

bench: install
	$(PYTHON) bench/run.py
