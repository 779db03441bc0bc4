#!/bin/sh
# Bring back a dump made by desk-backup.service into a new database, then point the desk at it.
#   deploy/restore.sh /var/backups/desk/desk-20261206-0230.dump desk_restored
# Stop the desk first (systemctl stop desk-web 'desk-worker@*' desk-beat), set DATABASE_URL in
# /etc/desk/desk.env to the new database, start it again: /readyz tells when it is ready.
set -eu
dump=${1:?which dump}
name=${2:?name of the new database}
sudo -u postgres createdb --owner=desk "$name"
sudo -u postgres pg_restore --exit-on-error --no-owner --role=desk --dbname="$name" "$dump"
echo "restored into $name"
