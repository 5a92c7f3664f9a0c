#!/usr/bin/env bash
# DCP drain throughput next to GET throughput, on the same build and machine.
#
#   benchmarks/dcp-drain.sh [--items N] [--value-size B] [--vbuckets V] [--threads T]
#                           [--rounds R] [--buffer-size BYTES] [--build DIR] [--keep DIR]
#
#   --items N        documents loaded (default 1000000), key "key:%012d", vbucket i % V
#   --value-size B   value bytes (default 100)
#   --vbuckets V     vbuckets the keys are spread over (default 1024)
#   --threads T      eddyd front-end threads (default 2)
#   --rounds R       drains per source (default 3; the table shows each run)
#   --buffer-size B  eddy-dcpdrain's flow-control window (default 10485760)
#   --build DIR      build tree with eddyd, eddy-dcpdrain and eddy_get_drain
#                    (default build/release)
#   --keep DIR       keep the servers' logs and the tools' JSON output in DIR
#
# Two sources:
#   memory  an ephemeral bucket: the streams are served from memory (a hash-table backfill of
#           what the checkpoints no longer hold, then the checkpoints);
#   disk    a persistent bucket, loaded, persisted, then restarted: after warm-up the
#           checkpoints are empty and every stream backfills from RocksDB.
# For each source: R runs of `eddy-dcpdrain --json` (one connection, every vbucket from 0 to its
# high seqno) and R runs of eddy_get_drain (one connection, pipelined GETQ of every key, batches
# of 1000) against the same server. items/s and MB/s (MB = 10^6 bytes of whole frames) are
# printed as a table; the ratio column is DCP items/s over the mean GET items/s of that source.
# Client and server share the machine: compare ratios, not absolute numbers.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
items=1000000
value_size=100
vbuckets=1024
threads=2
rounds=3
buffer_size=10485760
build=$repo/build/release
keep=
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while (($# > 0)); do
    case $1 in
    --items) items=$2; shift 2 ;;
    --value-size) value_size=$2; shift 2 ;;
    --vbuckets) vbuckets=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --buffer-size) buffer_size=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "dcp-drain: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
die() { echo "dcp-drain: $*" >&2; exit 1; }
eddyd=$build/programs/eddyd/eddyd
drain=$build/programs/eddy-dcpdrain/eddy-dcpdrain
get_drain=$build/benchmarks/eddy_get_drain
loader=$repo/benchmarks/load-items.py
for tool in "$eddyd" "$drain" "$get_drain"; do
    [[ -x $tool ]] || die "'$tool' not found (build it: cmake --build --preset release)"
done
command -v jq >/dev/null || die "jq is needed (apt-get install jq)"

workdir=$(mktemp -d /tmp/eddy-dcp-drain.XXXXXX)
server_pid=
cleanup() {
    [[ -z $server_pid ]] || kill -9 "$server_pid" 2>/dev/null || true
    if [[ -n $keep ]]; then
        mkdir -p "$keep" && cp -r "$workdir"/. "$keep"/
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT

# start_server BUCKET_CONFIG: starts eddyd on a free port; sets server_pid and port.
start_server() {
    rm -f "$workdir/eddyd.port"
    "$eddyd" --host 127.0.0.1 --port 0 --port-file "$workdir/eddyd.port" --threads "$threads" \
        --data-dir "$workdir/data" --bucket-config "$1" >>"$workdir/eddyd.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1200); do  # the port file appears once warm-up is done
        if [[ -s $workdir/eddyd.port ]] && IFS= read -r port <"$workdir/eddyd.port"; then
            return 0
        fi
        kill -0 "$server_pid" 2>/dev/null || die "eddyd exited: $(tail -20 "$workdir/eddyd.log")"
        sleep 0.05
    done
    die "eddyd wrote no port file within 60 s"
}

stop_server() {
    kill -TERM "$server_pid"
    timeout 120 tail --pid="$server_pid" -f /dev/null || die "eddyd did not stop within 120 s"
    server_pid=
}

stat_of() { python3 "$loader" stats --port "$port" "$1" | awk '{ print $2 }'; }

load() {
    echo "loading $items items of $value_size B over $vbuckets vbuckets" >&2
    timeout 900 python3 "$loader" load --port "$port" --items "$items" \
        --value-size "$value_size" --vbuckets "$vbuckets" >&2 || die "loading failed"
}

# measure SOURCE: R DCP drains and R GET drains against the running server.
measure() {
    local source=$1 run
    for run in $(seq "$rounds"); do
        echo "$source: DCP drain $run/$rounds" >&2
        timeout 900 "$drain" -h "127.0.0.1:$port" --name "bench:$source:$run" \
            --buffer-size "$buffer_size" --json >"$workdir/$source-dcp-$run.json" ||
            die "eddy-dcpdrain failed: $(cat "$workdir/$source-dcp-$run.json")"
        echo "$source: GET drain $run/$rounds" >&2
        timeout 900 "$get_drain" --port "$port" --items "$items" --vbuckets "$vbuckets" \
            >"$workdir/$source-get-$run.json" || die "eddy_get_drain failed"
    done
}

rm -rf "$workdir/data"
start_server "bucket_type=ephemeral;max_size=8589934592;max_vbuckets=1024"
load
measure memory
stop_server

rm -rf "$workdir/data"
start_server "max_size=8589934592;max_vbuckets=1024"
load
echo "waiting for the flusher" >&2
for _ in $(seq 600); do
    [[ $(stat_of ep_queue_size) == 0 ]] && break
    sleep 0.5
done
[[ $(stat_of ep_queue_size) == 0 ]] || die "the flusher did not catch up within 300 s"
stop_server
start_server "max_size=8589934592;max_vbuckets=1024"
measure disk
stop_server

echo
echo "items: $items, value $value_size B, $vbuckets vbuckets, $threads front-end threads,"\
    "window $buffer_size B; $(nproc) cores"
echo
echo "| source | run | DCP items/s | DCP MB/s | GET items/s | GET MB/s | DCP / GET |"
echo "|---|---|---|---|---|---|---|"
for source in memory disk; do
    get_mean=$(cat "$workdir/$source"-get-*.json | jq -s 'map(.items_per_s) | add / length')
    for run in $(seq "$rounds"); do
        dcp=$workdir/$source-dcp-$run.json
        get=$workdir/$source-get-$run.json
        jq -e '.mutations == '"$items" "$dcp" >/dev/null ||
            die "$source run $run streamed $(jq .mutations "$dcp") mutations, not $items"
        printf '| %s | %d | %.0f | %.1f | %.0f | %.1f | %.2f |\n' "$source" "$run" \
            "$(jq .items_per_second "$dcp")" "$(jq .mb_per_second "$dcp")" \
            "$(jq .items_per_s "$get")" "$(jq .mb_per_s "$get")" \
            "$(jq -n "$(jq .items_per_second "$dcp") / $get_mean")"
    done
done
