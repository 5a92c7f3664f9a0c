#!/usr/bin/env bash
# clients.libmemcached: libmemcached-tools against a real eddyd: the compliance tester
# (memccapable, binary protocol only), then memcstat (VERSION + STAT, as libmemcached clients
# do on connect) and a memccp / memccat round trip of a file.
#
#   tests/clients/libmemcached.sh <path/to/eddyd> [extra memccapable args...]
#
# Starts eddyd on 127.0.0.1, port 0, two front-end threads, a throw-away data dir, and learns the
# port from --port-file. Passes when memccapable exits 0 and prints "All tests passed", memcstat
# shows the server's stats, the file comes back byte for byte, and eddyd then stops on SIGTERM
# with exit status 0 and no sanitizer report. On failure it prints the clients' and eddyd's
# output.
set -euo pipefail

readonly START_TIMEOUT_S=${EDDY_START_TIMEOUT:-30}
readonly STOP_TIMEOUT_S=${EDDY_STOP_TIMEOUT:-30}
readonly CLIENT_TIMEOUT_S=${EDDY_CLIENT_TIMEOUT:-120}

if [[ $# -lt 1 ]]; then
    echo "usage: $0 <eddyd> [memccapable args...]" >&2
    exit 2
fi
eddyd=$1
shift
if [[ ! -x $eddyd ]]; then
    echo "FAIL: eddyd binary '$eddyd' is missing or not executable" >&2
    exit 1
fi
if ! command -v memccapable >/dev/null; then
    echo "FAIL: memccapable not found (Debian package libmemcached-tools); run scripts/install-deps.sh" >&2
    exit 1
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/eddy-memccapable.XXXXXX")
eddyd_pid=
cleanup() {
    if [[ -n $eddyd_pid ]] && kill -0 "$eddyd_pid" 2>/dev/null; then
        kill -KILL "$eddyd_pid" 2>/dev/null || true
        wait "$eddyd_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT

show_eddyd_output() {
    echo "----- eddyd output (${workdir}/eddyd.log) -----"
    cat "$workdir/eddyd.log" || true
    echo "----- end of eddyd output -----"
}

fail() {
    echo "FAIL: $*"
    show_eddyd_output
    exit 1
}

# Sanitizer runtimes write their reports to stderr; the test presets make them fatal
# (halt_on_error / abort_on_error), and we also look for them in case they were not.
sanitizer_report() {
    grep -E -q 'ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error:|SUMMARY: (Address|Thread|Leak|UndefinedBehavior)Sanitizer' \
        "$workdir/eddyd.log"
}

mkdir -p "$workdir/data"
"$eddyd" --host 127.0.0.1 --port 0 --port-file "$workdir/port" --threads 2 \
    --data-dir "$workdir/data" >"$workdir/eddyd.log" 2>&1 &
eddyd_pid=$!

deadline=$((SECONDS + START_TIMEOUT_S))
port=
while :; do
    if ! kill -0 "$eddyd_pid" 2>/dev/null; then
        status=0
        wait "$eddyd_pid" || status=$?
        eddyd_pid=
        fail "eddyd exited with status $status before writing its port file"
    fi
    # The port file is complete once its line ends with a newline (read fails until then).
    if [[ -f $workdir/port ]] && IFS= read -r port <"$workdir/port"; then
        break
    fi
    if ((SECONDS >= deadline)); then
        fail "eddyd did not write $workdir/port within ${START_TIMEOUT_S}s"
    fi
    sleep 0.05
done
if [[ ! $port =~ ^[0-9]+$ ]] || ((port <= 0 || port > 65535)); then
    fail "bad port file contents: '$port'"
fi
echo "eddyd pid $eddyd_pid listening on 127.0.0.1:$port"

client_status=0
timeout --kill-after=5 "$CLIENT_TIMEOUT_S" \
    memccapable -h 127.0.0.1 -p "$port" -b -v "$@" >"$workdir/memccapable.log" 2>&1 ||
    client_status=$?
cat "$workdir/memccapable.log"

problems=()
if ((client_status != 0)); then
    if ((client_status == 124)); then
        problems+=("memccapable timed out after ${CLIENT_TIMEOUT_S}s (a response never came)")
    else
        problems+=("memccapable exited with status $client_status")
    fi
fi
if ! grep -q 'All tests passed' "$workdir/memccapable.log"; then
    problems+=("memccapable did not print 'All tests passed'")
fi

# memcstat: libmemcached parses the VERSION reply (a major version of 0 is refused) and lists
# the STAT default group.
servers=--servers=127.0.0.1:$port
if ! timeout 30 memcstat "$servers" --binary >"$workdir/memcstat.log" 2>&1 ||
    ! grep -q 'curr_connections' "$workdir/memcstat.log"; then
    problems+=("memcstat failed: $(head -c 500 "$workdir/memcstat.log")")
fi

# memccp stores a file under its base name; memccat prints it back followed by a newline.
head -c 100000 /dev/urandom | base64 >"$workdir/payload.txt"
{ cat "$workdir/payload.txt"; echo; } >"$workdir/payload.expected"
if ! (cd "$workdir" && timeout 30 memccp "$servers" --binary payload.txt) ||
    ! timeout 30 memccat "$servers" --binary payload.txt >"$workdir/payload.back" ||
    ! cmp -s "$workdir/payload.expected" "$workdir/payload.back"; then
    problems+=("memccp/memccat round trip did not return the file unchanged")
fi

# Stop eddyd: SIGTERM must give a clean exit with status 0.
if kill -0 "$eddyd_pid" 2>/dev/null; then
    kill -TERM "$eddyd_pid"
    deadline=$((SECONDS + STOP_TIMEOUT_S))
    while kill -0 "$eddyd_pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.05
    done
    if kill -0 "$eddyd_pid" 2>/dev/null; then
        problems+=("eddyd still running ${STOP_TIMEOUT_S}s after SIGTERM (killed)")
        kill -KILL "$eddyd_pid" 2>/dev/null || true
    fi
else
    problems+=("eddyd died during the run")
fi
eddyd_status=0
wait "$eddyd_pid" || eddyd_status=$?
eddyd_pid=
if ((eddyd_status != 0)); then
    problems+=("eddyd exit status $eddyd_status after SIGTERM (expected 0)")
fi
if sanitizer_report; then
    problems+=("sanitizer report in eddyd output")
fi

if ((${#problems[@]} > 0)); then
    printf 'FAIL: %s\n' "${problems[@]}"
    show_eddyd_output
    exit 1
fi
echo "PASS: memccapable binary suite ($(grep -c '\[pass\]' "$workdir/memccapable.log") tests), memcstat and memccp/memccat against eddyd"
