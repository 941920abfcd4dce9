#!/usr/bin/env bash
# Installs WeasyPrint's system libraries with apt-get when this machine allows it without a
# password (root, or sudo -n). `make install` calls this only when the check found them
# missing; when it cannot install, it exits 1 and the check's message says what to run.
set -euo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-liberation fonts-dejavu-core)

command -v apt-get >/dev/null 2>&1 || exit 1
if [ "$(id -u)" = 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    exit 1
fi

echo "Installing WeasyPrint's system libraries with apt-get: ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "Installed: ${packages[*]}"
