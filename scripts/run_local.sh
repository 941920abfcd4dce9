#!/usr/bin/env bash
# Runs Coursebook on its embedded defaults: Django's runserver and one Celery worker with
# beat embedded, on the filesystem broker under var/celery. Both stop together on Ctrl-C,
# and if either one dies the other is stopped too. `make run` calls this after migrating
# and loading the demo data.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
VENV=${VENV:-.venv}
export DEBUG=${DEBUG:-true}

# Links in mail and on certificates point at this server, unless SITE_URL says otherwise.
# shellcheck source=scripts/site_url.sh
. scripts/site_url.sh
site_url=$(local_site_url "$HOST" "$PORT")
if [ -n "$site_url" ]; then
    export SITE_URL=$site_url
fi

# The filesystem broker needs its folders; mail goes to var/mail.
mkdir -p var/celery/queue var/celery/processed var/celery/control var/mail

# Job control gives each background process its own process group (so stopping it also
# stops its children: runserver's autoreloader, the worker's pool) and leaves SIGINT to them.
set -m
pids=()
start() {
    "$@" &
    pids+=("$!")
}

stopping=0
# shellcheck disable=SC2317  # called from the traps
stop() {
    [ "$stopping" = 1 ] && return
    stopping=1
    echo
    echo "Stopping Coursebook..."
    # SIGINT to each whole group, as Ctrl-C in a terminal would: the worker finishes its
    # current task and beat saves its schedule.
    for pid in "${pids[@]}"; do
        kill -INT -- "-$pid" 2>/dev/null || kill -INT "$pid" 2>/dev/null
    done
    for _ in $(seq 1 75); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && return
        sleep 0.2
    done
    for pid in "${pids[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    done
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

start "$VENV/bin/python" manage.py runserver "$HOST:$PORT"
start "$VENV/bin/celery" -A config worker --beat --loglevel=info --concurrency=2
# Back to plain foreground commands, so Ctrl-C reaches this script (and its trap) at once.
set +m

# Say where Coursebook is once the web server answers.
for _ in $(seq 1 60); do
    if "$VENV/bin/python" - "$HOST" "$PORT" <<'PY' 2>/dev/null; then
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(f"http://{sys.argv[1]}:{sys.argv[2]}/healthz", timeout=2)
except urllib.error.HTTPError:
    pass  # any answer, even an error page, means the server is up
PY
        break
    fi
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || break 2; done
    sleep 1
done

cat <<MSG

==============================================================================
 Coursebook is running at http://$HOST:$PORT/
 Mail it sends is written to var/mail/, with links to ${SITE_URL:-the SITE_URL in .env}.
 Press Ctrl-C to stop.
MSG
if [ -s var/demo-logins.txt ]; then
    echo
    cat var/demo-logins.txt
fi
echo "=============================================================================="
echo

# Wait until either process ends, then stop the other.
wait -n
status=$?
exit "$status"
