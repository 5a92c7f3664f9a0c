#!/usr/bin/env bash
# GET p99 latency with and without a storm of STAT dcp + checkpoint (benchmarks/stats_latency.cc).
#
#   benchmarks/stats-latency.sh [--keys N] [--threads T] [--phases K] [--phase-seconds S]
#                               [--dcp-connections D] [--build DIR] [--keep DIR]
#
#   --keys N             documents loaded over 1024 vbuckets (default 100000, 100-byte values)
#   --threads T          eddyd front-end threads (default 2)
#   --phases K           alternating quiet/storm phases (default 6)
#   --phase-seconds S    length of each phase (default 5)
#   --dcp-connections D  producer connections holding 16 keep-open streams each (default 100)
#   --build DIR          build tree with eddyd and eddy_stats_latency (default build/release)
#   --keep DIR           keep the server log and the tool's JSON in DIR
#
# The server is a persistent bucket with 1024 vbuckets. 4 GET connections (never asking for
# stats) run closed-loop for the whole run; in storm phases another connection asks for STAT dcp
# and STAT checkpoint (all vbuckets) every 10 ms. The goal is a storm/quiet p99 ratio <= 1.2.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
keys=100000
threads=2
phases=6
phase_seconds=5
dcp_connections=100
build=$repo/build/release
keep=
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while (($# > 0)); do
    case $1 in
    --keys) keys=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --phases) phases=$2; shift 2 ;;
    --phase-seconds) phase_seconds=$2; shift 2 ;;
    --dcp-connections) dcp_connections=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "stats-latency: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
die() { echo "stats-latency: $*" >&2; exit 1; }
eddyd=$build/programs/eddyd/eddyd
tool=$build/benchmarks/eddy_stats_latency
for binary in "$eddyd" "$tool"; do
    [[ -x $binary ]] || die "'$binary' not found (build it: cmake --build --preset release)"
done
command -v jq >/dev/null || die "jq is needed (apt-get install jq)"
workdir=$(mktemp -d /tmp/eddy-stats-latency.XXXXXX)
server_pid=
cleanup() {
    [[ -z $server_pid ]] || kill -9 "$server_pid" 2>/dev/null || true
    if [[ -n $keep ]]; then mkdir -p "$keep" && cp -r "$workdir"/. "$keep"/; fi
    rm -rf "$workdir"
}
trap cleanup EXIT

"$eddyd" --host 127.0.0.1 --port 0 --port-file "$workdir/port" --threads "$threads" \
    --data-dir "$workdir/data" --bucket-config "max_vbuckets=1024;max_size=2147483648" \
    >"$workdir/eddyd.log" 2>&1 &
server_pid=$!
for _ in $(seq 1200); do
    [[ -s $workdir/port ]] && break
    kill -0 "$server_pid" 2>/dev/null || die "eddyd exited: $(tail -20 "$workdir/eddyd.log")"
    sleep 0.05
done
port=$(cat "$workdir/port")
timeout 600 python3 "$repo/benchmarks/load-items.py" load --port "$port" --items "$keys" \
    --value-size 100 --vbuckets 1024 >&2 || die "loading failed"
timeout 900 "$tool" --port "$port" --keys "$keys" --phases "$phases" \
    --phase-seconds "$phase_seconds" --dcp-connections "$dcp_connections" >"$workdir/result.json" ||
    die "eddy_stats_latency failed"
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=

echo "keys $keys, $threads front-end threads, $phases phases of ${phase_seconds}s,"\
    "$dcp_connections DCP connections x 16 streams; $(nproc) cores"
echo
echo "| phase | GETs | p50 µs | p99 µs | p99.9 µs |"
echo "|---|---|---|---|---|"
for kind in quiet storm; do
    jq -r --arg k "$kind" '.[$k] | "| \($k) | \(.count) | \(.p50_us) | \(.p99_us) | \(.p999_us) |"' \
        "$workdir/result.json"
done
echo
jq -r '"STAT replies during storms: \(.stat_replies); p99 storm / quiet: \(.p99_ratio)"' \
    "$workdir/result.json"
