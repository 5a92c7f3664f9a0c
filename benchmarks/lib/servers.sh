# Sourced by the side-by-side benchmark scripts: a scratch directory, servers started on free
# loopback ports and killed on exit whatever happens, and their CPU time.
#
# The caller sets, before sourcing: `threads` (server worker threads), `keep` (a directory to copy
# the logs into at exit, or empty), and for start_eddyd `eddyd` (the binary) and `bucket_config`
# (its bucket parameters, possibly empty); and defines die(). Every wait is bounded.
# shellcheck shell=bash

workdir=$(mktemp -d "${TMPDIR:-/tmp}/eddy-bench.XXXXXX")
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n $keep ]]; then
        mkdir -p "$keep"
        cp "$workdir"/*.log "$keep"/ 2>/dev/null || true
        echo "logs kept in $keep"
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

clk_tck=$(getconf CLK_TCK)

# utime + stime of a process, in clock ticks (fields 14 and 15; the comm field may hold spaces,
# so count from the closing parenthesis).
cpu_ticks() {
    local stat
    stat=$(<"/proc/$1/stat") || die "process $1 is gone"
    stat=${stat##*) }
    # After "pid (comm) ", field 3 is at index 0, so utime (14) and stime (15) are 11 and 12.
    read -r -a fields <<<"$stat"
    echo $((fields[11] + fields[12]))
}

port_is_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Starts Debian's memcached on a free port with the extra arguments given after the name
# (default: -m 1024 -c 4096); sets started_pid and started_port.
start_memcached() {
    local name=$1 port attempt
    shift
    local extra=("$@")
    ((${#extra[@]} > 0)) || extra=(-m 1024 -c 4096)
    local user_args=()
    if [[ $(id -u) -eq 0 ]]; then
        user_args=(-u root)
    fi
    for attempt in $(seq 20); do
        port=$((20000 + RANDOM % 20000))
        port_is_open "$port" && continue
        memcached "${user_args[@]}" -l 127.0.0.1 -p "$port" -t "$threads" "${extra[@]}" \
            >"$workdir/$name.log" 2>&1 &
        started_pid=$!
        pids+=("$started_pid")
        for _ in $(seq 100); do
            if port_is_open "$port"; then
                started_port=$port
                return 0
            fi
            kill -0 "$started_pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -KILL "$started_pid" 2>/dev/null || true
    done
    die "could not start memcached (see $workdir/$name.log)"
}

# Starts eddyd on port 0 and reads the port back; sets started_pid and started_port.
start_eddyd() {
    local name=$1
    mkdir -p "$workdir/data"
    "$eddyd" --host 127.0.0.1 --port 0 --port-file "$workdir/eddyd.port" --threads "$threads" \
        --data-dir "$workdir/data" --bucket-config "$bucket_config" >"$workdir/$name.log" 2>&1 &
    started_pid=$!
    pids+=("$started_pid")
    for _ in $(seq 600); do
        if [[ -f $workdir/eddyd.port ]] && IFS= read -r started_port <"$workdir/eddyd.port"; then
            return 0
        fi
        kill -0 "$started_pid" 2>/dev/null ||
            die "eddyd exited at start-up: $(tail -20 "$workdir/$name.log")"
        sleep 0.05
    done
    die "eddyd wrote no port file within 30s"
}

