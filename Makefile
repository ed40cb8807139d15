# esmflow: `make run` solves the default scenarios, `make test` runs the tests, `make bench` times.
# Each first makes sure .venv exists and matches envs/requirements.txt (re-installed when it changes),
# with esmflow itself installed in it as an editable package (`import esmflow` from anywhere, and
# the `esmflow` command).

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-requirements
CORES ?= all

.PHONY: run test bench venv clean-results

venv: $(STAMP)

# The editable install uses the pinned setuptools of requirements.txt (no build isolation, so no
# download beyond the pins); rule scripts still import the esmflow beside them (scripts/_job.py).
$(STAMP): envs/requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r envs/requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)
	$(BIN)/snakemake --report results/report.html
	@$(BIN)/python -c "import yaml; names = yaml.safe_load(open('config/config.yaml'))['run']['scenarios']; \
	print('\nResults:'); [print(f'  results/{n}/   results.nc, solve_status.yaml, summaries/*.csv, plots/*.png, plots/explore.html, provenance/config.yaml') for n in names]; \
	print('  results/report.html   the report: status, tables and captioned figures of every scenario')"

# The tests run in parallel, one worker per logical CPU (pytest-xdist; TEST_WORKERS=0 runs them
# in this process), and the slowest are listed at the end so that CI's time stays in view.
# pytest exits 5 when it collects no tests: not a failure of the code.
TEST_WORKERS ?= logical
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal --durations=30 || test $$? -eq 5

# Without CASES: objectives and capacities against Calliope 0.7 (its example models), then every
# bench case's stage timings (hours). `make bench CASES=national_week,national_month` times a
# subset (`$(BIN)/python bench/run_bench.py --list` names them). Each run writes
# bench/results/<UTC time>.csv; check_bench.py flags cases slower than in the previous run.
CASES ?=
bench: $(STAMP)
ifeq ($(CASES),)
	$(BIN)/python bench/compare_calliope.py
endif
	$(BIN)/python bench/run_bench.py $(if $(CASES),--cases $(CASES))
	$(BIN)/python bench/check_bench.py

clean-results:
	rm -rf results/*/ logs/*/ benchmarks/*/
