# shellcheck shell=bash disable=SC2034  # (MK_* variables are read by the scripts)
# Shared helpers for scripts/serve and scripts/test. Source it; don't run it.
#
#   mk_log / mk_warn / mk_die      "==> …" progress lines on stderr
#   mk_as_root CMD…                run CMD as root (directly, or through sudo)
#   mk_install_packages PKG…       apt-get install the PKGs that dpkg says are missing
#   mk_install_build_deps          libpq-dev libssl-dev pkg-config (what `swift build` links)
#   mk_ensure_swift                put /opt/swift/usr/bin on PATH when swift is not on it
#   mk_random_token                mk_ + 43 characters of base64url randomness
#   mk_ensure_admin_token          MARKETPLACE_ADMIN_TOKEN from the environment or .data/admin-token
#   mk_ensure_secret_key           MARKETPLACE_SECRET_KEY from the environment or .data/secret-key
#
# Sets MK_ROOT (the repository root) and MK_DATA_DIR (<root>/.data) when they are not set.

if [[ -n "${MK_COMMON_SH_LOADED:-}" ]]; then
    return 0
fi
MK_COMMON_SH_LOADED=1

: "${MK_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}"
: "${MK_DATA_DIR:=$MK_ROOT/.data}"

mk_log() { printf '==> %s\n' "$*" >&2; }
mk_warn() { printf '==> warning: %s\n' "$*" >&2; }
mk_die() {
    printf '==> error: %s\n' "$*" >&2
    exit 1
}

mk_as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        mk_die "need root to run: $* (run as root, or install sudo)"
    fi
}

MK_APT_UPDATED=

# mk_install_packages PKG… : installs whichever of PKG… dpkg does not report as installed.
# Never starts Debian's own PostgreSQL cluster: while apt runs, a policy-rc.d that answers
# 101 ("action forbidden") is put in place unless one is already there.
mk_install_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 || mk_die "missing packages (${missing[*]}) and no apt-get to install them"
    mk_log "installing ${missing[*]}"
    if [[ -z "$MK_APT_UPDATED" ]]; then
        mk_log "apt-get update"
        mk_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || mk_die "apt-get update failed"
        MK_APT_UPDATED=1
    fi
    local policy=/usr/sbin/policy-rc.d placed_policy=
    if [[ ! -e "$policy" ]]; then
        mk_as_root sh -c "printf '#!/bin/sh\n# placed by marketplace scripts/lib while apt-get runs\nexit 101\n' > $policy && chmod 755 $policy"
        placed_policy=1
    fi
    local rc=0
    mk_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" </dev/null >&2 || rc=$?
    if [[ -n "$placed_policy" ]]; then
        mk_as_root rm -f "$policy"
    fi
    [[ $rc -eq 0 ]] || mk_die "apt-get install ${missing[*]} failed (exit $rc)"
}

mk_install_build_deps() {
    mk_install_packages libpq-dev libssl-dev pkg-config
}

mk_ensure_swift() {
    if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    command -v swift >/dev/null 2>&1 || mk_die "swift not found (looked on PATH and in /opt/swift/usr/bin)"
}

# 32 random bytes as unpadded base64url: 43 characters.
mk_random_token() {
    local raw
    raw=$(head -c 32 /dev/urandom | base64 -w 0 | tr '+/' '-_' | tr -d '=')
    printf 'mk_%s\n' "$raw"
}

# Exports MARKETPLACE_ADMIN_TOKEN: kept as it is when set, else read from (or created once in)
# $MK_DATA_DIR/admin-token, mode 600. Sets MK_ADMIN_TOKEN_SOURCE to "environment" or the file.
mk_ensure_admin_token() {
    if [[ -n "${MARKETPLACE_ADMIN_TOKEN:-}" ]]; then
        MK_ADMIN_TOKEN_SOURCE=environment
        export MARKETPLACE_ADMIN_TOKEN
        return 0
    fi
    local file="$MK_DATA_DIR/admin-token" token=
    mkdir -p "$MK_DATA_DIR"
    if [[ -s "$file" ]]; then
        token=$(tr -d '[:space:]' <"$file")
    fi
    if [[ -z "$token" ]]; then
        mk_log "creating an operator token in $file"
        token=$(mk_random_token)
        (umask 077 && printf '%s\n' "$token" >"$file")
    fi
    chmod 600 "$file"
    MK_ADMIN_TOKEN_SOURCE="$file"
    export MARKETPLACE_ADMIN_TOKEN="$token"
}

# The key that encrypts webhook secrets at rest: MARKETPLACE_SECRET_KEY from the environment,
# else the one created once in .data/secret-key (mode 600). Losing that file loses every stored
# webhook secret (endpoints then need rotate-secret), so it is never replaced once it exists.
mk_ensure_secret_key() {
    if [[ -n "${MARKETPLACE_SECRET_KEY:-}" ]]; then
        export MARKETPLACE_SECRET_KEY
        return 0
    fi
    local file="$MK_DATA_DIR/secret-key" key=
    mkdir -p "$MK_DATA_DIR"
    if [[ -s "$file" ]]; then
        key=$(tr -d '[:space:]' <"$file")
    else
        mk_log "creating MARKETPLACE_SECRET_KEY in $file"
        key=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
        [[ ${#key} -eq 64 ]] || mk_die "could not read 32 random bytes from /dev/urandom"
        (umask 077 && printf '%s\n' "$key" >"$file")
    fi
    chmod 600 "$file"
    [[ "$key" =~ ^[0-9a-fA-F]{64}$ ]] || mk_die "$file must hold 64 hexadecimal characters (MARKETPLACE_SECRET_KEY)"
    export MARKETPLACE_SECRET_KEY="$key"
}

# Some tests check our output with implementations that are not ours, from PyPI: webhook
# signatures with `standardwebhooks`, responses against /openapi.json with `jsonschema`, and
# the whole API fuzzed from /openapi.json with `schemathesis` (held to major version 4, whose
# `run` flags the test uses). Installs them (and pip) when missing.
MK_PYTHON_TEST_PACKAGES=(standardwebhooks jsonschema 'schemathesis>=4.32,<5')

mk_ensure_webhook_verifier() {
    if python3 -c 'import standardwebhooks, jsonschema, schemathesis, sys; sys.exit(0 if schemathesis.__version__.startswith("4.") else 1)' >/dev/null 2>&1; then
        return 0
    fi
    command -v python3 >/dev/null 2>&1 || mk_install_packages python3
    python3 -m pip --version >/dev/null 2>&1 || mk_install_packages python3-pip
    mk_log "installing ${MK_PYTHON_TEST_PACKAGES[*]} from PyPI"
    python3 -m pip install --quiet --disable-pip-version-check "${MK_PYTHON_TEST_PACKAGES[@]}" >&2 \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${MK_PYTHON_TEST_PACKAGES[@]}" >&2 \
        || mk_die "could not install ${MK_PYTHON_TEST_PACKAGES[*]}"
}
