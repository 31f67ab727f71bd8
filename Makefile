# Kakunin: `make run` to try it, `make test` for the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Kakunin's own files (database, keys, evidence…); the settings read the same VAR_DIR.
VAR_DIR ?= $(CURDIR)/var
export VAR_DIR

# Defaults for a local run; anything set in the environment wins.
setup run demo worker: export SECRET_KEY_FILE ?= $(VAR_DIR)/secret_key
setup run demo worker: export FIELD_ENCRYPTION_KEYS_FILE ?= $(VAR_DIR)/field_keys
setup run demo worker: export BACKUP_KEY_FILE ?= $(VAR_DIR)/backup_key
setup run demo worker: export ALLOWED_HOSTS ?= 127.0.0.1,localhost
# Links in e-mails follow the address served on (SITE_URL, when unset, is http://HOST:PORT,
# kept in VAR_DIR/site_url for the worker and for commands run later in a plain shell).
run served: export HOST := $(HOST)
run served: export PORT := $(PORT)

.PHONY: private setup served run worker test test-fast bench loadtest lint format demo messages check clean

$(BIN)/.installed: pyproject.toml constraints.txt
	@test -f /usr/include/ldap.h -a -f /usr/include/sasl/sasl.h || { echo "python-ldap builds against OpenLDAP's client library: apt-get install libldap2-dev libsasl2-dev (README: Requirements)" >&2; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# Random keys, made once and kept: sessions and encrypted data survive restarts.
# Never a fixed default. Back up var/field_keys: without it encrypted fields are lost.
$(VAR_DIR)/secret_key:
	mkdir -p -m 700 $(VAR_DIR)
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

$(VAR_DIR)/field_keys:
	mkdir -p -m 700 $(VAR_DIR)
	umask 077 && $(PYTHON) -c 'import base64, os, time; print(f"k{int(time.time())}:" + base64.b64encode(os.urandom(32)).decode())' > $@

# The key of Kakunin's own backups: keep a copy away from the backups themselves.
$(VAR_DIR)/backup_key:
	mkdir -p -m 700 $(VAR_DIR)
	umask 077 && $(PYTHON) -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())' > $@

# Where this run serves (SITE_URL, else http://HOST:PORT), kept for what runs later in a
# plain shell: a command's e-mails link here, not to the default port.
served:
	mkdir -p -m 700 $(VAR_DIR)
	umask 077 && printf '%s\n' "$${SITE_URL:-http://$(HOST):$(PORT)}" > $(VAR_DIR)/site_url

# VAR_DIR holds the database, the keys and the backups: only this user may open it
# (0700, its files 0600), also when an older `make run` left it open; everything started
# here makes its files so (umask 077), and Kakunin refuses to start otherwise (kakunin.E003).
private:
	mkdir -p -m 700 $(VAR_DIR)
	chmod 700 $(VAR_DIR) && chmod -R go-rwx $(VAR_DIR)

setup: $(BIN)/.installed $(VAR_DIR)/secret_key $(VAR_DIR)/field_keys $(VAR_DIR)/backup_key private
	umask 077 && $(BIN)/python manage.py migrate --no-input
	umask 077 && $(BIN)/python manage.py load_catalog
	umask 077 && $(BIN)/python manage.py ensure_admin
	umask 077 && $(BIN)/python manage.py collectstatic --no-input --verbosity 0

# The web server and, beside it, the job worker (auth-log monitoring, sessions clean-up).
run: setup served
	@echo "Kakunin: http://$(HOST):$(PORT)/"
	umask 077; $(BIN)/python manage.py run_huey --quiet & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn kakunin.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile -

worker: setup
	umask 077 && $(BIN)/python manage.py run_huey

demo: setup
	umask 077 && DEBUG=1 $(BIN)/python manage.py demo

# The whole suite, browser tests included. Exit code 5 (no tests collected) fails too.
test: $(BIN)/.installed
	$(BIN)/pytest

test-fast: $(BIN)/.installed
	$(BIN)/pytest -m "not browser"

bench: $(BIN)/.installed
	$(BIN)/python scripts/bench.py

# Two app nodes and two workers on PostgreSQL and Redis behind nginx, driven by locust
# (LOADTEST_USERS, LOADTEST_SECONDS): prints throughput, latency percentiles, errors.
loadtest: $(BIN)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[load]'
	$(BIN)/python scripts/loadtest.py

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DEBUG=1 $(BIN)/mypy

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(BIN)/.installed
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=1 $(BIN)/python manage.py check

# The source language is Japanese; this refreshes the English catalogue. Fill the
# new msgstr lines, then run it again to compile.
messages: $(BIN)/.installed
	DEBUG=1 $(BIN)/python manage.py makemessages -l en --no-obsolete
	msgfmt --check -o kakunin/locale/en/LC_MESSAGES/django.mo kakunin/locale/en/LC_MESSAGES/django.po
	$(BIN)/python scripts/drf_messages.py
	msgfmt --check -o kakunin/locale/ja/LC_MESSAGES/django.mo kakunin/locale/ja/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) test-artifacts
