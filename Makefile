# The two commands of README.md: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: run test lint validation-report bench

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py runserver $(HOST)

# pytest exits 5 when it collected no tests: that is a failure too.
test: $(VENV)/.installed
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

# ISO 13485 §4.1.6: the suite with every rule R1-R22 and its tests, as validation-report/*.html and *.pdf;
# fails when a rule has no passing test or a test fails. It records the configuration the shell's
# DJANGO_* variables make and who ran it (BY=username, else the OS user); the QMB then signs it:
# $(PY) manage.py sign_validation_report validation-report --by USERNAME
validation-report: $(VENV)/.installed
	$(PY) tools/validation_report.py $(if $(BY),--by $(BY)) $(PYTEST_ARGS)

# ruff, and the layers of pyproject.toml's [tool.importlinter] (no app imports an app above it).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Issue 14's benchmark (README "Performance") on the PostgreSQL database of DATABASE_URL, a database of
# its own: fills it when it has no tickets (BENCH_TICKETS, default 100,000), then prints the latency table.
BENCH_TICKETS ?= 100000
bench: $(VENV)/.installed
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "Set DATABASE_URL=postgres://..."; exit 1;; esac
	$(PY) manage.py migrate --noinput
	$(PY) bench/generate.py --tickets $(BENCH_TICKETS) --if-empty
	$(PY) manage.py rebuild_report_figures --if-empty
	$(PY) bench/latency.py
