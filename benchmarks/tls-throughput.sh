#!/usr/bin/env bash
# GET throughput over TLS next to plain TCP, on one server in one run.
#
#   benchmarks/tls-throughput.sh [--items N] [--value-size B] [--rounds R] [--threads T]
#                                [--build DIR] [--chart FILE.svg]
#
#   --items N        documents loaded (default 200000), key "key:%012d", spread over 1024 vbuckets
#   --value-size B   value bytes (default 100)
#   --rounds R       runs per transport and mode, alternating plain and TLS (default 3)
#   --threads T      eddyd front-end threads (default 2)
#   --build DIR      build tree with eddyd, eddyctl and eddy_get_drain (default build/release)
#   --chart FILE     also draw the mean items/s per mode and transport with gnuplot (SVG)
#
# One eddyd (ephemeral bucket, so the disk plays no part) listens on a plain and a TLS port with
# a fresh self-signed certificate (eddyctl tls create-dev-certificate). eddy_get_drain reads
# every key over one connection in two modes:
#   pipelined  GETQ batches of 1000 closed by a NOOP: throughput, where TLS costs its cipher and
#              copies;
#   one-by-one a batch of 1 (request, wait, answer): latency-bound, where TLS adds a record per
#              request and per answer.
# Runs alternate plain and TLS so that drift on the machine hits both alike. Printed: a table of
# every run and the TLS/plain ratio of the means per mode. Client and server share the machine:
# compare the ratios, not the absolute numbers.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
items=200000
value_size=100
rounds=3
threads=2
build=$repo/build/release
chart=
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while (($# > 0)); do
    case $1 in
    --items) items=$2; shift 2 ;;
    --value-size) value_size=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --chart) chart=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "tls-throughput: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
die() { echo "tls-throughput: $*" >&2; exit 1; }
eddyd=$build/programs/eddyd/eddyd
eddyctl=$build/programs/eddyctl/eddyctl
get_drain=$build/benchmarks/eddy_get_drain
loader=$repo/benchmarks/load-items.py
for tool in "$eddyd" "$eddyctl" "$get_drain"; do
    [[ -x $tool ]] || die "'$tool' not found (build it: cmake --build --preset release)"
done
command -v jq >/dev/null || die "jq is needed (apt-get install jq)"
[[ -z $chart ]] || command -v gnuplot >/dev/null || die "--chart needs gnuplot (apt-get install gnuplot-nox)"

workdir=$(mktemp -d /tmp/eddy-tls-throughput.XXXXXX)
server_pid=
cleanup() {
    [[ -z $server_pid ]] || kill -9 "$server_pid" 2>/dev/null || true
    rm -rf "$workdir"
}
trap cleanup EXIT

"$eddyctl" tls create-dev-certificate --dir "$workdir/tls" >&2
"$eddyd" --host 127.0.0.1 --port 0 --port-file "$workdir/port" --threads "$threads" \
    --data-dir "$workdir/data" --tls-port 0 --tls-port-file "$workdir/tls-port" \
    --tls-certificate-chain "$workdir/tls/chain.pem" --tls-private-key "$workdir/tls/pkey.pem" \
    --bucket-config "bucket_type=ephemeral;max_size=4294967296" >>"$workdir/eddyd.log" 2>&1 &
server_pid=$!
for _ in $(seq 1200); do
    [[ -s $workdir/port ]] && break
    kill -0 "$server_pid" 2>/dev/null || die "eddyd exited: $(tail -20 "$workdir/eddyd.log")"
    sleep 0.05
done
[[ -s $workdir/port ]] || die "eddyd wrote no port file within 60 s"
port=$(cat "$workdir/port")
tls_port=$(cat "$workdir/tls-port")

echo "loading $items items of $value_size B" >&2
timeout 900 python3 "$loader" load --port "$port" --items "$items" --value-size "$value_size" \
    --vbuckets 1024 >&2 || die "loading failed"

# drain MODE TRANSPORT RUN
drain() {
    local mode=$1 transport=$2 run=$3 batch=1000 count=$items
    local -a target=(--port "$port")
    if [[ $mode == one-by-one ]]; then
        batch=1
        count=$((items / 10))  # a round trip per item: a tenth of the keys is plenty
    fi
    [[ $transport == plain ]] || target=(--port "$tls_port" --cacert "$workdir/tls/chain.pem")
    echo "$mode $transport $run/$rounds" >&2
    timeout 900 "$get_drain" "${target[@]}" --items "$count" --batch "$batch" \
        >"$workdir/$mode-$transport-$run.json" || die "eddy_get_drain failed ($mode $transport)"
}
for mode in pipelined one-by-one; do
    for run in $(seq "$rounds"); do
        drain "$mode" plain "$run"
        drain "$mode" tls "$run"
    done
done
kill -TERM "$server_pid"
timeout 120 tail --pid="$server_pid" -f /dev/null || die "eddyd did not stop within 120 s"
server_pid=

echo
echo "items: $items, value $value_size B, $threads front-end threads; $(nproc) cores;" \
    "$(openssl version 2>/dev/null || echo OpenSSL)"
echo
echo "| mode | run | plain items/s | TLS items/s | plain MB/s | TLS MB/s |"
echo "|---|---|---|---|---|---|"
for mode in pipelined one-by-one; do
    for run in $(seq "$rounds"); do
        plain=$workdir/$mode-plain-$run.json
        tls=$workdir/$mode-tls-$run.json
        printf '| %s | %d | %.0f | %.0f | %.1f | %.1f |\n' "$mode" "$run" \
            "$(jq .items_per_s "$plain")" "$(jq .items_per_s "$tls")" \
            "$(jq .mb_per_s "$plain")" "$(jq .mb_per_s "$tls")"
    done
done
echo
: >"$workdir/means.dat"
for mode in pipelined one-by-one; do
    plain_mean=$(cat "$workdir/$mode"-plain-*.json | jq -s 'map(.items_per_s) | add / length')
    tls_mean=$(cat "$workdir/$mode"-tls-*.json | jq -s 'map(.items_per_s) | add / length')
    printf '%s: TLS / plain = %.2f (means %.0f / %.0f items/s)\n' "$mode" \
        "$(jq -n "$tls_mean / $plain_mean")" "$tls_mean" "$plain_mean"
    printf '%s %.0f %.0f\n' "$mode" "$plain_mean" "$tls_mean" >>"$workdir/means.dat"
done

if [[ -n $chart ]]; then
    gnuplot <<PLOT
set terminal svg size 640,400 font "sans,12"
set output "$chart"
set title "GET items/s over one connection: plain TCP and TLS ($value_size-byte values)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "items/s"
set yrange [0:*]
set key top right
plot "$workdir/means.dat" using 2:xtic(1) title "plain TCP", "" using 3 title "TLS"
PLOT
    echo "chart: $chart" >&2
fi
