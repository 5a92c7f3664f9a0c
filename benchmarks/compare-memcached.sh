#!/usr/bin/env bash
# Side-by-side load test: Debian's memcached vs eddyd under the same memcaslap load
# (libmemcached-tools' async load generator, binary protocol, get:set 9:1).
#
#   benchmarks/compare-memcached.sh [--threads T] [--duration D] [--rounds N] [--eddyd PATH]
#                                   [--concurrency C] [--value-size B] [--keep DIR] [--self-test]
#                                   [--bucket-config CFG]
#
#   --threads T      server worker threads, both servers (default 2)
#   --duration D     memcaslap run time per run, memcaslap syntax (default 10s)
#   --rounds N       A/B pairs, alternating memcached, eddyd, memcached, ... (default 3)
#   --eddyd PATH     eddyd binary (default build/release/programs/eddyd/eddyd)
#   --concurrency C  memcaslap connections in total (default 64)
#   --value-size B   fixed value size in bytes (default 64)
#   --keep DIR       keep every memcaslap and server log in DIR
#   --self-test      run a second memcached in eddyd's place (checks the harness: ratio ~1.0)
#   --bucket-config CFG  eddyd's bucket parameters, e.g. bucket_type=ephemeral (default: the
#                    persistent default bucket)
#
# Each server is started once (memcached on a free port; eddyd on port 0 + --port-file) and
# stays up for all rounds. Per run we record memcaslap's final "Run time: ... Ops: N TPS: N" line
# and the server's CPU time (utime + stime from /proc/PID/stat, before and after, over
# CLK_TCK), giving ops/s and server CPU microseconds per operation. Client and servers share the
# machine, so the numbers are co-located: compare the ratio, not the absolute values.
# The servers are killed on exit, whatever happens. Every wait is bounded.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

threads=2
duration=10s
rounds=3
eddyd=$repo/build/release/programs/eddyd/eddyd
concurrency=64
value_size=64
client_threads=2
keep=
self_test=0
bucket_config=

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

while (($# > 0)); do
    case $1 in
    --threads) threads=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --eddyd) eddyd=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --value-size) value_size=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --self-test) self_test=1; shift ;;
    --bucket-config) bucket_config=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "compare-memcached: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

die() {
    echo "compare-memcached: $*" >&2
    exit 1
}

[[ $threads =~ ^[0-9]+$ ]] && ((threads > 0)) || die "--threads must be a positive integer"
[[ $rounds =~ ^[0-9]+$ ]] && ((rounds > 0)) || die "--rounds must be a positive integer"
[[ $duration =~ ^([0-9]+)([smh]?)$ ]] || die "--duration must look like 10s, 2m or 30"
case ${BASH_REMATCH[2]} in
h) duration_s=$((BASH_REMATCH[1] * 3600)) ;;
m) duration_s=$((BASH_REMATCH[1] * 60)) ;;
*) duration_s=${BASH_REMATCH[1]} ;;
esac
for tool in memcached memcaslap; do
    command -v $tool >/dev/null || die "$tool not found; run scripts/install-deps.sh"
done
if ((!self_test)); then
    [[ -x $eddyd ]] || die "eddyd not found at '$eddyd' (build it: make build, or pass --eddyd)"
fi

# shellcheck source=lib/servers.sh
source "$repo/benchmarks/lib/servers.sh"

caslap_args=(-B -T "$client_threads" -c "$concurrency" -X "$value_size" -t "$duration")

# One measured run: prints "ops tps cpu_seconds".
measure() {
    local label=$1 pid=$2 port=$3 before after ops tps line
    before=$(cpu_ticks "$pid")
    timeout --kill-after=5 $((duration_s + 60)) \
        memcaslap -s "127.0.0.1:$port" "${caslap_args[@]}" >"$workdir/$label.log" 2>&1 ||
        die "memcaslap failed for $label: $(tail -5 "$workdir/$label.log")"
    after=$(cpu_ticks "$pid")
    line=$(grep -E '^Run time: .* Ops: [0-9]+ TPS: [0-9]+' "$workdir/$label.log" | tail -1) ||
        die "no 'Run time: ... TPS:' line from memcaslap for $label"
    [[ $line =~ Ops:\ ([0-9]+)\ TPS:\ ([0-9]+) ]] || die "cannot parse '$line'"
    ops=${BASH_REMATCH[1]}
    tps=${BASH_REMATCH[2]}
    ((ops > 0)) || die "memcaslap did no operations against $label"
    echo "$ops $tps $(awk -v t=$((after - before)) -v hz="$clk_tck" 'BEGIN { printf "%.2f", t / hz }')"
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

start_memcached memcached
a_pid=$started_pid a_port=$started_port a_name=memcached
if ((self_test)); then
    start_memcached memcached-b
    b_name=memcached-b
    b_version="memcached $(memcached -V | awk '{print $2}') (self-test)"
else
    start_eddyd eddyd
    b_name=eddyd
    b_version="eddyd $eddyd"
fi
b_pid=$started_pid b_port=$started_port

echo "A: memcached $(memcached -V | awk '{print $2}')  pid $a_pid  127.0.0.1:$a_port  -t $threads"
echo "B: $b_version  pid $b_pid  127.0.0.1:$b_port  --threads $threads"
echo "load: memcaslap -s 127.0.0.1:PORT ${caslap_args[*]}   ($rounds rounds, A B alternating)"
echo "host: $(nproc) CPUs, $(uname -r); client and servers share the machine"
echo

declare -a a_tps=() a_cpu=() b_tps=() b_cpu=()
printf '%-5s %-12s %12s %12s %14s\n' run server ops/s cpu_s "cpu_us/op"
for round in $(seq "$rounds"); do
    for side in a b; do
        if [[ $side == a ]]; then
            name=$a_name pid=$a_pid port=$a_port
        else
            name=$b_name pid=$b_pid port=$b_port
        fi
        result=$(measure "$name-$round" "$pid" "$port") || exit 1
        read -r ops tps cpu <<<"$result"
        us_per_op=$(awk -v c="$cpu" -v o="$ops" 'BEGIN { printf "%.2f", c * 1e6 / o }')
        printf '%-5s %-12s %12s %12s %14s\n' "$round" "$name" "$tps" "$cpu" "$us_per_op"
        if [[ $side == a ]]; then
            a_tps+=("$tps") a_cpu+=("$us_per_op")
        else
            b_tps+=("$tps") b_cpu+=("$us_per_op")
        fi
    done
done

a_tps_med=$(median "${a_tps[@]}")
a_cpu_med=$(median "${a_cpu[@]}")
b_tps_med=$(median "${b_tps[@]}")
b_cpu_med=$(median "${b_cpu[@]}")
echo
printf '%-18s %12s %14s\n' median ops/s "cpu_us/op"
printf '%-18s %12.0f %14s\n' "$a_name" "$a_tps_med" "$a_cpu_med"
printf '%-18s %12.0f %14s\n' "$b_name" "$b_tps_med" "$b_cpu_med"
awk -v at="$a_tps_med" -v bt="$b_tps_med" -v ac="$a_cpu_med" -v bc="$b_cpu_med" -v b="$b_name" \
    'BEGIN { printf "ratio %s/memcached: ops/s %.2fx, cpu per op %.2fx\n", b, bt / at, bc / ac }'

# The candidate must still be alive (a crash under load is a result too).
kill -0 "$b_pid" 2>/dev/null || die "$b_name died during the benchmark: $(tail -20 "$workdir/$b_name.log")"
