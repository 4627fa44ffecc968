# Pilote CTG – two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

SERVE_ENV := DJANGO_SETTINGS_MODULE=config.settings.prod DJANGO_LOCAL_HTTP=true \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')}

.PHONY: install demo demo-data serve test test-postgres quality fix bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo-data: $(STAMP)
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_territories
	$(BIN)/python manage.py import_boundaries data/referentiel/france-geojson-76/communes-76-seine-maritime.geojson
	$(BIN)/python manage.py import_boundaries data/referentiel/france-geojson-76/departement-76-seine-maritime.geojson --level departement
	$(BIN)/python manage.py import_shipped_data
	$(BIN)/python manage.py compute_indicators
	$(BIN)/python manage.py load_demo

# The web server and the background worker together; Ctrl+C stops both.
demo: demo-data
	@echo "Pilote CTG : http://$(HOST)/ (Ctrl+C pour arrêter)"
	bin/with-worker $(BIN)/python manage.py runserver $(HOST)

# The production stack on this machine (gunicorn, WhiteNoise, one worker) over the demo data, for a try.
serve: demo-data
	export $(SERVE_ENV); \
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	$(BIN)/python manage.py createcachetable && \
	echo "Pilote CTG (production locale) : http://$(HOST)/ (Ctrl+C pour arrêter)" && \
	GUNICORN_BIND=$(HOST) bin/with-worker $(BIN)/gunicorn --config config/gunicorn.conf.py config.wsgi

test: $(STAMP)
	mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest --numprocesses auto --dist worksteal --runslow $(PYTEST_ARGS)

test-postgres: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(MAKE) test

quality: $(STAMP)
	mkdir -p var
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/djlint ctg/templates --lint
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/mypy
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

fix: $(STAMP)
	git ls-files '*.py' | grep -v /migrations/ | xargs $(BIN)/django-upgrade --target-version 5.2 || true
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/djlint ctg/templates --reformat || true

bench: demo-data
	mkdir -p var
	for script in bench/*.py; do DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) var
