#!/usr/bin/env bash
# Memory per item: eddyd (ephemeral bucket) against Debian's memcached, each loaded with the same
# N items by benchmarks/load-items.py (pipelined binary SETQ), RSS measured before and after.
#
#   benchmarks/memory-per-item.sh [--items N] [--value-size B] [--threads T] [--settle S]
#                                 [--eddyd PATH] [--keep DIR]
#
#   --items N        keys to store, "key:%012d" (16 bytes) (default 1000000)
#   --value-size B   value size in bytes (default 100)
#   --threads T      server worker threads, both servers (default 2)
#   --settle S       seconds to wait after loading before reading RSS and stats (default 6:
#                    one period of eddyd's checkpoint remover, chk_remover_stime=5)
#   --eddyd PATH     eddyd binary (default build/release/programs/eddyd/eddyd)
#   --keep DIR       keep the server logs in DIR
#
# Servers: `memcached -m 4096 -U 0 -l 127.0.0.1 -p PORT -t T` and `eddyd --threads T
# --bucket-config "bucket_type=ephemeral;max_size=4294967296"` (a quota far above what the load
# needs, so nothing is refused or evicted). Each is started alone, its RSS (VmRSS in
# /proc/PID/status) read once it listens and again after the load and the settle time; the
# growth over N is the cost of one item with its key, value and every index over them. For
# eddyd the table adds mem_used (its own accounting) per item, and the lines below it the
# parts of mem_used. The servers are killed on exit, whatever happens. Every wait is bounded.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

items=1000000
value_size=100
threads=2
settle=6
eddyd=$repo/build/release/programs/eddyd/eddyd
keep=
loader=$repo/benchmarks/load-items.py

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

while (($# > 0)); do
    case $1 in
    --items) items=$2; shift 2 ;;
    --value-size) value_size=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --eddyd) eddyd=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "memory-per-item: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

die() {
    echo "memory-per-item: $*" >&2
    exit 1
}

for number in items value_size threads settle; do
    [[ ${!number} =~ ^[0-9]+$ ]] || die "--${number/_/-} must be a non-negative integer"
done
((items > 0)) || die "--items must be positive"
command -v memcached >/dev/null || die "memcached not found; run scripts/install-deps.sh"
command -v python3 >/dev/null || die "python3 not found"
[[ -x $eddyd ]] || die "eddyd not found at '$eddyd' (build it: make build, or pass --eddyd)"

bucket_config="bucket_type=ephemeral;max_size=4294967296"
# shellcheck source=lib/servers.sh
source "$repo/benchmarks/lib/servers.sh"

rss_bytes() {
    local kib
    kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status") || die "process $1 is gone"
    echo $((kib * 1024))
}

# Loads one server; sets rss_before, rss_loaded (just after the load) and rss_after.
measure() {
    local name=$1 pid=$2 port=$3
    sleep 0.5
    rss_before=$(rss_bytes "$pid")
    echo "$name: loading $items items of $value_size bytes" >&2
    timeout --kill-after=5 600 python3 "$loader" load --port "$port" --items "$items" \
        --value-size "$value_size" >&2 || die "loading $name failed"
    rss_loaded=$(rss_bytes "$pid")
    [[ $name != eddyd ]] || python3 "$loader" stats --port "$port" mem_used >"$workdir/loaded.stats"
    sleep "$settle"
    rss_after=$(rss_bytes "$pid")
}

start_memcached memcached -m 4096 -U 0
measure memcached "$started_pid" "$started_port"
mc_before=$rss_before mc_after=$rss_after
mc_items=$(python3 "$loader" stats --port "$started_port" curr_items | awk '{ print $2 }')
kill -TERM "$started_pid"

start_eddyd eddyd
measure eddyd "$started_pid" "$started_port"
ed_before=$rss_before ed_after=$rss_after ed_loaded=$rss_loaded
python3 "$loader" stats --port "$started_port" >"$workdir/eddyd.stats"
stat() { awk -v name="$1" '$1 == name { print $2 }' "$workdir/eddyd.stats"; }
ed_items=$(stat curr_items)

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
per_item() { awk -v b="$1" -v n="$2" 'BEGIN { printf "%.1f", b / n }'; }

echo
echo "items: $items, key 16 B, value $value_size B, $threads threads; eddyd $eddyd,"\
    "memcached $(memcached -V | awk '{ print $2 }')"
echo
mc_growth=$((mc_after - mc_before)) ed_growth=$((ed_after - ed_before))
ratio=$(awk -v e="$ed_growth" -v m="$mc_growth" 'BEGIN { printf "%.2f×", e / m }')
echo "| server | items | RSS before | RSS after | RSS growth | bytes/item | vs memcached |"\
    "mem_used | mem_used/item |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
echo "| memcached | $mc_items | $(mib "$mc_before") | $(mib "$mc_after") | $(mib "$mc_growth") |"\
    "$(per_item "$mc_growth" "$items") | 1.00× | | |"
echo "| eddyd | $ed_items | $(mib "$ed_before") | $(mib "$ed_after") | $(mib "$ed_growth") |"\
    "$(per_item "$ed_growth" "$items") | $ratio | $(mib "$(stat mem_used)") |"\
    "$(per_item "$(stat mem_used)" "$items") |"
echo
awk -v r="$ed_growth" -v u="$(stat mem_used)" \
    'BEGIN { printf "eddyd RSS growth / mem_used: %.2f\n", r / u }'
awk -v r=$((ed_loaded - ed_before)) -v u="$(awk '{ print $2 }' "$workdir/loaded.stats")" \
    'BEGIN { printf "eddyd just after the load (before settling): RSS growth %.1f MiB, mem_used" \
        " %.1f MiB, ratio %.2f\n", r / 1048576, u / 1048576, r / u }'
for name in ep_value_size ep_meta_data_memory ep_checkpoint_memory_overhead ep_checkpoint_memory; do
    echo "eddyd $name: $(mib "$(stat $name)"), $(per_item "$(stat $name)" "$items") B/item"
done
[[ $mc_items == "$items" && $ed_items == "$items" ]] ||
    die "curr_items differ from $items: memcached $mc_items, eddyd $ed_items"
