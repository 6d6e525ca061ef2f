# shellcheck shell=bash
# A local PostgreSQL 15 cluster for scripts/serve and scripts/test. Source it; don't run it.
#
#   mk_pg_start              install postgresql if missing, initdb once, start (or reuse) the
#                            cluster in <repo>/.data/pg on 127.0.0.1; sets MK_PG_PORT and
#                            MK_PG_STARTED_HERE (1 when this process started it, else 0)
#   mk_pg_ensure_db NAME     create database NAME unless it exists
#   mk_pg_recreate_db NAME   drop database NAME (closing its connections) and create it afresh
#   mk_pg_url NAME           print postgresql://postgres@127.0.0.1:PORT/NAME
#   mk_pg_stop_if_started    pg_ctl stop -m fast, only if mk_pg_start started it; safe to repeat
#
# Layout under <repo>/.data: pg/ (data directory, owned by postgres), pg.port (the port, chosen
# once: 54329 or the next free one), pg.log (server log), pg.sock/ (Unix socket directory,
# unless its path is too long for a socket), pg.lock (serialises set-up between scripts).

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ -n "${MK_POSTGRES_SH_LOADED:-}" ]]; then
    return 0
fi
MK_POSTGRES_SH_LOADED=1

MK_PG_BIN=/usr/lib/postgresql/15/bin
MK_PG_DATA="$MK_DATA_DIR/pg"
MK_PG_PORT_FILE="$MK_DATA_DIR/pg.port"
MK_PG_LOG="$MK_DATA_DIR/pg.log"
MK_PG_SOCK_DIR="$MK_DATA_DIR/pg.sock"
MK_PG_LOCK="$MK_DATA_DIR/pg.lock"
MK_PG_DEFAULT_PORT=54329
MK_PG_PORT=
MK_PG_STARTED_HERE=0
MK_PG_STOPPED=

# The cluster runs as `postgres` (initdb refuses root); a non-root user runs it as itself.
mk_pg_owner() {
    if [[ $(id -u) -eq 0 ]]; then echo postgres; else id -un; fi
}

# mk_pg_as_owner CMD… : run CMD as the cluster's owner, from / (the owner may not be able to
# enter the current directory). File descriptor 9 (the set-up lock) is not passed on, so a
# server started here never holds the lock.
mk_pg_as_owner() {
    if [[ $(id -u) -ne 0 ]]; then
        (cd / && "$@") 9>&-
    elif command -v runuser >/dev/null 2>&1; then
        (cd / && runuser -u postgres -- "$@") 9>&-
    else
        local quoted
        quoted=$(printf '%q ' "$@")
        (cd / && su postgres -s /bin/sh -c "$quoted") 9>&-
    fi
}

mk_psql() {
    PGCONNECT_TIMEOUT=10 "$MK_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -h 127.0.0.1 -p "$MK_PG_PORT" -U postgres "$@"
}

# Something (ours or not) accepts TCP connections on 127.0.0.1:PORT, or listens on the port.
mk_port_in_use() {
    local port=$1
    if command -v ss >/dev/null 2>&1; then
        [[ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]] && return 0
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# Every directory above the data directory must be enterable by the cluster's owner (checked
# from / downwards, so that each message names the directory that really lacks the bit).
mk_pg_make_parents_traversable() {
    local owner dir path=
    owner=$(mk_pg_owner)
    local -a parts
    IFS=/ read -r -a parts <<<"$(dirname "$MK_PG_DATA")"
    for dir in "${parts[@]}"; do
        [[ -n "$dir" ]] || continue
        path="$path/$dir"
        if ! mk_pg_as_owner test -x "$path"; then
            mk_log "letting $owner traverse $path (chmod o+x)"
            chmod o+x "$path" || mk_die "cannot make $path traversable for $owner"
        fi
    done
}

mk_pg_server_running() {
    [[ -f "$MK_PG_DATA/postmaster.pid" ]] || return 1
    mk_pg_as_owner "$MK_PG_BIN/pg_ctl" -D "$MK_PG_DATA" status >/dev/null 2>&1
}

mk_pg_wait_ready() {
    local i
    for ((i = 0; i < 120; i++)); do
        if "$MK_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$MK_PG_PORT" -U postgres -t 2; then
            return 0
        fi
        sleep 0.5
    done
    return 1
}

mk_pg_sql_string() { printf "'%s'" "${1//\'/\'\'}"; }

# Settings of our cluster, rewritten at every start (included from postgresql.conf).
mk_pg_write_config() {
    local sock_setting="''"
    # A socket path is limited to ~108 bytes: socket dir + "/.s.PGSQL.NNNNN".
    if (( ${#MK_PG_SOCK_DIR} + 16 <= 100 )); then
        mkdir -p "$MK_PG_SOCK_DIR"
        chown "$(mk_pg_owner)": "$MK_PG_SOCK_DIR"
        chmod 755 "$MK_PG_SOCK_DIR"
        sock_setting=$(mk_pg_sql_string "$MK_PG_SOCK_DIR")
    else
        mk_log "socket path would be too long; TCP only (unix_socket_directories = '')"
    fi
    cat >"$MK_PG_DATA/marketplace.conf" <<EOF
# Written by scripts/lib/postgres.sh at every start; edits here are overwritten.
listen_addresses = '127.0.0.1'
port = $MK_PG_PORT
unix_socket_directories = $sock_setting
max_connections = 300
shared_buffers = 256MB
EOF
    chown "$(mk_pg_owner)": "$MK_PG_DATA/marketplace.conf"
    chmod 600 "$MK_PG_DATA/marketplace.conf"
}

mk_pg_initdb() {
    local owner
    owner=$(mk_pg_owner)
    if [[ -f "$MK_PG_DATA/PG_VERSION" ]]; then
        local version
        version=$(<"$MK_PG_DATA/PG_VERSION")
        [[ "$version" == 15 ]] || mk_die "$MK_PG_DATA holds a PostgreSQL $version cluster, not 15; move it away"
        return 0
    fi
    if [[ -d "$MK_PG_DATA" ]] && [[ -n "$(ls -A "$MK_PG_DATA")" ]]; then
        mk_die "$MK_PG_DATA exists, is not empty and is not a cluster; move it away"
    fi
    mk_log "initialising a PostgreSQL cluster in $MK_PG_DATA (owner $owner)"
    mkdir -p "$MK_PG_DATA"
    chown "$owner": "$MK_PG_DATA"
    chmod 700 "$MK_PG_DATA"
    mk_pg_as_owner "$MK_PG_BIN/initdb" -D "$MK_PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C \
        >"$MK_DATA_DIR/initdb.log" 2>&1 || {
        tail -n 20 "$MK_DATA_DIR/initdb.log" >&2
        rm -rf "$MK_PG_DATA"
        mk_die "initdb failed (log: $MK_DATA_DIR/initdb.log)"
    }
    printf "\ninclude_if_exists = 'marketplace.conf'\n" >>"$MK_PG_DATA/postgresql.conf"
}

mk_pg_choose_port() {
    local port
    port=
    [[ -f "$MK_PG_PORT_FILE" ]] && port=$(tr -d '[:space:]' <"$MK_PG_PORT_FILE")
    [[ "$port" =~ ^[0-9]+$ ]] || port=$MK_PG_DEFAULT_PORT
    local first=$port
    while mk_port_in_use "$port"; do
        port=$((port + 1))
        (( port - first < 200 && port < 65536 )) || mk_die "no free port from $first upwards"
    done
    if [[ "$port" != "$first" ]]; then
        mk_log "port $first is taken (not by this cluster); using $port"
    fi
    MK_PG_PORT=$port
    printf '%s\n' "$port" >"$MK_PG_PORT_FILE"
}

mk_pg_start() {
    [[ -x "$MK_PG_BIN/pg_ctl" ]] || mk_install_packages postgresql
    [[ -x "$MK_PG_BIN/pg_ctl" ]] || mk_die "PostgreSQL 15 server binaries not found in $MK_PG_BIN"
    [[ $(id -u) -ne 0 ]] || id postgres >/dev/null 2>&1 || mk_die "no 'postgres' system user (it comes with the postgresql package)"

    mkdir -p "$MK_DATA_DIR"
    chmod 755 "$MK_DATA_DIR"
    exec 9>"$MK_PG_LOCK"
    if command -v flock >/dev/null 2>&1; then
        flock -w 300 9 || mk_die "another script is still setting up the cluster ($MK_PG_LOCK)"
    fi

    mk_pg_make_parents_traversable
    mk_pg_initdb

    if mk_pg_server_running; then
        MK_PG_PORT=$(sed -n 4p "$MK_PG_DATA/postmaster.pid")
        mk_log "PostgreSQL already running on 127.0.0.1:$MK_PG_PORT (reusing it)"
        printf '%s\n' "$MK_PG_PORT" >"$MK_PG_PORT_FILE"
        mk_pg_wait_ready || mk_die "the running cluster does not answer on 127.0.0.1:$MK_PG_PORT (log: $MK_PG_LOG)"
    else
        mk_pg_choose_port
        mk_pg_write_config
        touch "$MK_PG_LOG"
        chown "$(mk_pg_owner)": "$MK_PG_LOG"
        mk_log "starting PostgreSQL on 127.0.0.1:$MK_PG_PORT (data $MK_PG_DATA, log $MK_PG_LOG)"
        if ! mk_pg_as_owner "$MK_PG_BIN/pg_ctl" -D "$MK_PG_DATA" -l "$MK_PG_LOG" -w -t 60 start >/dev/null; then
            tail -n 20 "$MK_PG_LOG" >&2
            mk_die "PostgreSQL did not start (log: $MK_PG_LOG)"
        fi
        MK_PG_STARTED_HERE=1
        MK_PG_STOPPED=
        mk_pg_wait_ready || {
            tail -n 20 "$MK_PG_LOG" >&2
            mk_die "PostgreSQL does not answer on 127.0.0.1:$MK_PG_PORT (log: $MK_PG_LOG)"
        }
    fi
    mk_log "PostgreSQL ready on 127.0.0.1:$MK_PG_PORT"

    exec 9>&-
}

mk_pg_url() {
    printf 'postgresql://postgres@127.0.0.1:%s/%s\n' "$MK_PG_PORT" "$1"
}

mk_pg_ensure_db() {
    local name=$1
    if [[ "$(mk_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = $(mk_pg_sql_string "$name")")" == 1 ]]; then
        mk_log "database $name exists"
    else
        mk_log "creating database $name"
        mk_psql -d postgres -c "CREATE DATABASE \"$name\"" || mk_die "could not create database $name"
    fi
}

mk_pg_recreate_db() {
    local name=$1
    mk_log "creating a fresh database $name"
    mk_psql -d postgres -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" || mk_die "could not drop database $name"
    mk_psql -d postgres -c "CREATE DATABASE \"$name\"" || mk_die "could not create database $name"
}

mk_pg_stop_if_started() {
    if [[ "$MK_PG_STARTED_HERE" != 1 || -n "$MK_PG_STOPPED" ]]; then
        return 0
    fi
    MK_PG_STOPPED=1
    if mk_pg_server_running; then
        mk_log "stopping PostgreSQL on 127.0.0.1:$MK_PG_PORT"
        mk_pg_as_owner "$MK_PG_BIN/pg_ctl" -D "$MK_PG_DATA" -m fast -w -t 60 stop >/dev/null ||
            mk_warn "pg_ctl stop failed (log: $MK_PG_LOG)"
    fi
}

# ---------------------------------------------------------------- throwaway cluster
# A second, small cluster for tests that stall it (SIGSTOP on every process) or restart it,
# which must never happen to the shared one other suites use at the same time.
#
#   mk_pg_stall_start   initdb afresh in <repo>/.data/pg-stall, start it on a free port, create
#                       database marketplace_stall; exports MK_STALL_DATABASE_URL,
#                       MK_STALL_PGDATA, MK_STALL_PGLOG, MK_STALL_PG_CTL and MK_STALL_PG_OWNER
#   mk_pg_stall_stop    resume any stopped process of it, stop it and delete it; safe to repeat

MK_PG_STALL_DATA="$MK_DATA_DIR/pg-stall"
MK_PG_STALL_LOG="$MK_DATA_DIR/pg-stall.log"
MK_PG_STALL_STARTED=0

# SIGCONT to the postmaster and every child of it (a test may have died while they were stopped).
mk_pg_stall_resume() {
    local pid
    [[ -f "$MK_PG_STALL_DATA/postmaster.pid" ]] || return 0
    pid=$(head -n 1 "$MK_PG_STALL_DATA/postmaster.pid" 2>/dev/null || true)
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    kill -CONT "$pid" 2>/dev/null || true
    pkill -CONT -P "$pid" 2>/dev/null || true
}

mk_pg_stall_stop() {
    [[ -d "$MK_PG_STALL_DATA" ]] || return 0
    mk_pg_stall_resume
    if [[ -f "$MK_PG_STALL_DATA/postmaster.pid" ]]; then
        [[ "$MK_PG_STALL_STARTED" == 1 ]] && mk_log "stopping the throwaway PostgreSQL cluster"
        mk_pg_as_owner "$MK_PG_BIN/pg_ctl" -D "$MK_PG_STALL_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
            mk_warn "pg_ctl stop of the throwaway cluster failed (log: $MK_PG_STALL_LOG)"
    fi
    rm -rf "$MK_PG_STALL_DATA"
    MK_PG_STALL_STARTED=0
}

mk_pg_stall_start() {
    [[ -n "$MK_PG_PORT" ]] || mk_die "mk_pg_stall_start needs mk_pg_start first"
    mk_pg_stall_stop
    local owner port
    owner=$(mk_pg_owner)
    mkdir -p "$MK_PG_STALL_DATA"
    chown "$owner": "$MK_PG_STALL_DATA"
    chmod 700 "$MK_PG_STALL_DATA"
    mk_log "initialising a throwaway PostgreSQL cluster in $MK_PG_STALL_DATA"
    mk_pg_as_owner "$MK_PG_BIN/initdb" -D "$MK_PG_STALL_DATA" -U postgres --auth=trust -E UTF8 --locale=C \
        >"$MK_DATA_DIR/initdb-stall.log" 2>&1 || mk_die "initdb of the throwaway cluster failed (log: $MK_DATA_DIR/initdb-stall.log)"
    port=$((MK_PG_PORT + 100))
    while mk_port_in_use "$port"; do
        port=$((port + 1))
        (( port < MK_PG_PORT + 300 )) || mk_die "no free port for the throwaway cluster"
    done
    # Durability is worth nothing here and fsync costs the shared machine.
    cat >>"$MK_PG_STALL_DATA/postgresql.conf" <<CONF

listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 60
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    touch "$MK_PG_STALL_LOG"
    chown "$owner": "$MK_PG_STALL_LOG"
    mk_pg_as_owner "$MK_PG_BIN/pg_ctl" -D "$MK_PG_STALL_DATA" -l "$MK_PG_STALL_LOG" -w -t 60 start >/dev/null || {
        tail -n 20 "$MK_PG_STALL_LOG" >&2
        mk_die "the throwaway PostgreSQL cluster did not start (log: $MK_PG_STALL_LOG)"
    }
    MK_PG_STALL_STARTED=1
    PGCONNECT_TIMEOUT=10 "$MK_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "CREATE DATABASE marketplace_stall" || mk_die "could not create database marketplace_stall"
    export MK_STALL_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/marketplace_stall"
    export MK_STALL_PGDATA="$MK_PG_STALL_DATA"
    export MK_STALL_PGLOG="$MK_PG_STALL_LOG"
    export MK_STALL_PG_CTL="$MK_PG_BIN/pg_ctl"
    export MK_STALL_PG_OWNER="$owner"
    mk_log "throwaway PostgreSQL ready on 127.0.0.1:$port (MK_STALL_DATABASE_URL)"
}
