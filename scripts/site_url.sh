# shellcheck shell=bash
# Sourced by run_local.sh. Coursebook's links (in mail, on certificates, in calendar
# invites) use SITE_URL; run locally, they should point at the server actually started.

# Prints the SITE_URL for a local server on HOST and PORT, or nothing when SITE_URL is
# given already, in the environment or in the .env file (settings read it from there).
# A server listening on every address (0.0.0.0, ::) is linked to on this machine.
local_site_url() {
    local host=$1 port=$2 env_file=${3:-.env}
    if [ -n "${SITE_URL:-}" ]; then
        return 0
    fi
    if [ -f "$env_file" ] && grep -qE '^[[:space:]]*(export[[:space:]]+)?SITE_URL=' "$env_file"; then
        return 0
    fi
    case "$host" in
        "" | 0.0.0.0) host=127.0.0.1 ;;
        "::" | "[::]") host="[::1]" ;;
        \[*) ;;
        *:*) host="[$host]" ;; # an IPv6 address goes in brackets
    esac
    printf 'http://%s:%s\n' "$host" "$port"
}
