#!/usr/bin/env bash
# eddyd against Debian's memcached under eddy-bench, over a sweep of one setting, drawn as a
# chart: for each point, eddy-bench runs A (eddyd) and B (memcached) alternating for --rounds
# pairs and reports the medians and the ratios eddyd/memcached (ops/s, p99, server CPU per op).
#
#   benchmarks/bench-memcached.sh [--sweep depth|connections|value-size] [--points "1 4 16"]
#                                 [--duration D] [--rounds N] [--threads T] [--mix G:S]
#                                 [--keys N] [--eddyd PATH] [--bench PATH] [--bucket-config CFG]
#                                 [--out DIR] [--chart FILE] [--keep DIR]
#
#   --sweep S        the setting that varies (default depth: requests in flight per connection)
#   --points "..."   its values (default depth "1 4 16 64", connections "1 4 16 64 256",
#                    value-size "10 100 1000 10000 100000")
#   --duration D     measured time per run (default 10s); --rounds N A/B pairs (default 3)
#   --threads T      server worker threads, both servers, and eddy-bench threads (default 2)
#   --mix G:S        get:set (default 90:10); --keys N key space (default 100000)
#   --connections C  connections when the sweep is not over them (default 16)
#   --eddyd PATH     default build/release/programs/eddyd/eddyd
#   --bench PATH     default build/release/programs/eddy-bench/eddy-bench
#   --bucket-config  eddyd's bucket parameters (default: the persistent default bucket)
#   --out DIR        where the JSON results and the data table go (default: a temporary directory,
#                    printed at the end and kept)
#   --chart FILE     also draw the chart into FILE (.svg), with gnuplot
#   --keep DIR       keep the servers' logs in DIR
#
# Both servers start once on free loopback ports and stay up for the whole sweep; the keys are
# stored once, before the first point. Client and servers share the machine: compare the ratios
# of one run, not absolute figures across runs.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

sweep=depth
points=
duration=10s
rounds=3
threads=2
mix=90:10
keys=100000
connections=16
eddyd=$repo/build/release/programs/eddyd/eddyd
bench=$repo/build/release/programs/eddy-bench/eddy-bench
bucket_config=
out=
chart=
keep=

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

die() {
    echo "bench-memcached: $*" >&2
    exit 1
}

while (($# > 0)); do
    case $1 in
    --sweep) sweep=$2; shift 2 ;;
    --points) points=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --mix) mix=$2; shift 2 ;;
    --keys) keys=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --eddyd) eddyd=$2; shift 2 ;;
    --bench) bench=$2; shift 2 ;;
    --bucket-config) bucket_config=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --chart) chart=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench-memcached: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

case $sweep in
depth) default_points="1 4 16 64" label="requests in flight per connection" ;;
connections) default_points="1 4 16 64 256" label="connections" ;;
value-size) default_points="10 100 1000 10000 100000" label="value bytes" ;;
*) die "--sweep must be depth, connections or value-size" ;;
esac
points=${points:-$default_points}
for point in $points; do
    [[ $point =~ ^[0-9]+$ ]] && ((point > 0)) || die "--points: '$point' is not a positive number"
done
[[ -x $eddyd ]] || die "eddyd not found at '$eddyd' (build it: make build, or pass --eddyd)"
[[ -x $bench ]] || die "eddy-bench not found at '$bench' (build it, or pass --bench)"
command -v memcached >/dev/null || die "memcached not found; run scripts/install-deps.sh"
if [[ -n $chart ]]; then
    command -v gnuplot >/dev/null || die "gnuplot not found; run scripts/install-deps.sh"
fi
if [[ -z $out ]]; then
    out=$(mktemp -d "${TMPDIR:-/tmp}/eddy-bench-results.XXXXXX")
fi
mkdir -p "$out"

# shellcheck source=lib/servers.sh
source "$repo/benchmarks/lib/servers.sh"

start_eddyd eddyd
eddy_pid=$started_pid eddy_port=$started_port
start_memcached memcached
mc_pid=$started_pid mc_port=$started_port

echo "A: eddyd $eddyd  pid $eddy_pid  127.0.0.1:$eddy_port  --threads $threads  ${bucket_config:-(default bucket)}"
echo "B: memcached $(memcached -V | awk '{print $2}')  pid $mc_pid  127.0.0.1:$mc_port  -t $threads"
echo "load: eddy-bench --threads $threads --mix $mix --keys $keys --duration $duration --rounds $rounds; sweep $sweep: $points"
echo "host: $(nproc) CPUs, $(uname -r); client and servers share the machine"
echo

table=$out/$sweep.dat
printf '#%s eddyd_ops memcached_ops ops_ratio eddyd_p99_us memcached_p99_us eddyd_cpu_us memcached_cpu_us\n' \
    "$sweep" >"$table"
populate=()
for point in $points; do
    args=(--mix "$mix" --keys "$keys" --duration "$duration" --rounds "$rounds")
    case $sweep in
    depth) args+=(--threads "$threads" --connections "$connections" --depth "$point") ;;
    # Every load thread needs a connection: fewer connections than threads use fewer threads.
    connections) args+=(--threads $((point < threads ? point : threads)) --connections "$point") ;;
    value-size) args+=(--threads "$threads" --connections "$connections" --value-size "$point") ;;
    esac
    echo "== $sweep $point"
    "$bench" -h "127.0.0.1:$eddy_port" --pid "$eddy_pid" \
        --compare "127.0.0.1:$mc_port" --compare-pid "$mc_pid" \
        "${args[@]}" "${populate[@]}" --json "$out/$sweep-$point.json" ||
        die "eddy-bench failed at $sweep $point"
    # The value-size sweep stores its own values at each point; the others populate once.
    [[ $sweep == value-size ]] || populate=(--no-populate)
    python3 - "$out/$sweep-$point.json" "$point" >>"$table" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))["comparison"]
a, b = c["a"], c["b"]
print(sys.argv[2], round(a["ops_per_sec"]), round(b["ops_per_sec"]), round(c["ops_per_sec_ratio"], 3),
      round(a["p99_us"]), round(b["p99_us"]),
      round(a.get("server_cpu_us_per_op", 0), 2), round(b.get("server_cpu_us_per_op", 0), 2))
EOF
done

kill -0 "$eddy_pid" 2>/dev/null || die "eddyd died during the benchmark"
echo
column -t "$table"
echo "results: $out"

if [[ -n $chart ]]; then
    gnuplot <<EOF
set terminal svg size 720,420 dynamic font "sans,12"
set output "$chart"
set title "eddyd and memcached under eddy-bench ($mix get:set, $threads threads each, medians of $rounds rounds)"
set xlabel "$label"
set ylabel "operations per second"
set logscale x 2
set key top left
set grid
set format y "%.0s%c"
plot "$table" using 1:2 with linespoints lw 2 title "eddyd", \
     "$table" using 1:3 with linespoints lw 2 title "memcached"
EOF
    echo "chart: $chart"
fi
