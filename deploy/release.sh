#!/bin/sh
# A release of the desk, on each host, as root: the code at a tag, its packages, the database
# migrated, the model built (never on a request), then the processes restarted.
#   deploy/release.sh v1.4.0
set -eu
tag=${1:?which tag or commit to release}
cd /opt/desk
sudo -u desk git fetch --quiet --tags origin
sudo -u desk git checkout --quiet "$tag"
sudo -u desk .venv/bin/pip install --quiet -e .
sudo -u desk .venv/bin/pybabel -q compile -d desk/translations
# The workers and beat stop for the migration (the web keeps serving; what is filed meanwhile
# waits in the outbox), then start on the new code.
systemctl stop 'desk-worker@*' desk-beat
sudo -u desk --preserve-env=PATH sh -c 'set -a; . /etc/desk/desk.env; set +a;
  .venv/bin/flask --app wsgi db upgrade;
  .venv/bin/flask --app wsgi desk classify </dev/null'
systemctl start desk-worker@1 desk-worker@2 desk-beat  # as many workers as this host runs
systemctl reload desk-web  # gunicorn starts new workers on the new code, then ends the old
