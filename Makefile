# The desk: `make run` starts it, `make test` proves it.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
PO := $(wildcard desk/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test install services lint translations-extract bench faults clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed $(MO)

%.mo: %.po $(BIN)/.installed
	$(BIN)/pybabel -q compile -i $< -o $@

run: install
	$(FLASK) db upgrade
	$(FLASK) desk seed
	$(FLASK) desk classify </dev/null  # trains the shipped model once (about 90 s), then cached
	PORT=$(PORT) $(FLASK) desk run-all

# PostgreSQL and Redis: use what runs, start what is installed, install what is missing.
# dovecot: only its binary, for the IMAP tests (they start their own from a temp dir); should the
# package start a system dovecot (policy-rc.d forbids it on the CI machine), it is stopped.
services:
	@if ! command -v pg_ctlcluster >/dev/null || ! command -v redis-server >/dev/null; then \
	  echo "installing PostgreSQL and Redis (Debian packages)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null; \
	fi
	@if ! command -v dovecot >/dev/null && ! test -x /usr/sbin/dovecot; then \
	  echo "installing dovecot-imapd (Debian package)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; \
	  { systemctl disable --now dovecot.service dovecot.socket || service dovecot stop; } >/dev/null 2>&1 || true; \
	fi
	@if ! test -x /usr/sbin/nginx; then \
	  echo "installing nginx (Debian package, to test deploy/nginx/desk.conf)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	  { systemctl disable --now nginx.service || service nginx stop; } >/dev/null 2>&1 || true; \
	fi
	@if ! test -x /usr/bin/chromium; then \
	  echo "installing chromium (Debian package, for the browser tests)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  cluster=$$(ls /etc/postgresql | sort -V | tail -1); \
	  pg_ctlcluster --skip-systemctl-redirect $$cluster main start; \
	  for i in $$(seq 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done; }
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; \
	  for i in $$(seq 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.2; done; }
	@pg_isready -h 127.0.0.1 -p 5432 && redis-cli -h 127.0.0.1 -p 6379 ping

lint: install
	$(BIN)/ruff check .

test: install services lint
	$(BIN)/pytest

translations-extract: install
	$(BIN)/pybabel extract -F desk/translations/babel.cfg -k _l -k "_p:1c,2" -o desk/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i desk/translations/messages.pot -d desk/translations

bench: install services
	@command -v wrk >/dev/null || { echo "installing wrk (Debian package, bench/intake.py's load)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/classify.py
	$(BIN)/python bench/crisis.py
	$(BIN)/python bench/routing.py
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/mail.py
	$(BIN)/python bench/workspace.py
	$(BIN)/python bench/retention.py

# Kills workers, Redis, the mail server and database connections on purpose (processes of its
# own, never the machine's): one table of what was lost, done twice or forged. About 8 minutes.
faults: install services
	$(BIN)/python bench/faults.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
