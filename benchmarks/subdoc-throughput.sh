#!/usr/bin/env bash
# Sub-document throughput next to GET and SET of the same documents, and the Couchbase Node.js
# SDK's upsert/get throughput, against one eddyd in one run.
#
#   benchmarks/subdoc-throughput.sh [--docs N] [--ops N] [--batch K] [--rounds R] [--threads T]
#                                   [--sdk-ops N] [--build DIR] [--chart FILE.svg]
#
#   --docs N      JSON documents of about 1 KiB (default 1000)
#   --ops N       requests per operation and round (default 200000)
#   --batch K     requests pipelined per round trip (default 100)
#   --rounds R    rounds, each running every operation once, alternating (default 3)
#   --threads T   eddyd front-end threads (default 2)
#   --sdk-ops N   operations per SDK phase, 16 in flight (default 20000; 0 skips the SDK; needs
#                 `npm install` in tests/clients/node)
#   --build DIR   build tree with eddyd and eddy_subdoc_bench (default build/release)
#   --chart FILE  also draw the mean ops/s per operation with gnuplot (SVG)
#
# eddyd serves its default persistent bucket from a scratch data directory. eddy_subdoc_bench
# prints the table (see benchmarks/subdoc_throughput.cc for the operations). Client and server
# share the machine: compare the ratios, not the absolute numbers.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
docs=1000
ops=200000
batch=100
rounds=3
threads=2
sdk_ops=20000
build=$repo/build/release
chart=
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while (($# > 0)); do
    case $1 in
    --docs) docs=$2; shift 2 ;;
    --ops) ops=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --sdk-ops) sdk_ops=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --chart) chart=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "subdoc-throughput: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
die() { echo "subdoc-throughput: $*" >&2; exit 1; }
eddyd=$build/programs/eddyd/eddyd
bench=$build/benchmarks/eddy_subdoc_bench
for tool in "$eddyd" "$bench"; do
    [[ -x $tool ]] || die "'$tool' not found (build it: cmake --build --preset release)"
done
[[ -z $chart ]] || command -v gnuplot >/dev/null || die "--chart needs gnuplot (apt-get install gnuplot-nox)"
command -v jq >/dev/null || die "jq is needed (apt-get install jq)"
if ((sdk_ops > 0)) && [[ ! -d $repo/tests/clients/node/node_modules/couchbase ]]; then
    die "the SDK phase needs the npm couchbase package: (cd tests/clients/node && npm install), or --sdk-ops 0"
fi

workdir=$(mktemp -d /tmp/eddy-subdoc-throughput.XXXXXX)
server_pid=
cleanup() {
    [[ -z $server_pid ]] || kill -9 "$server_pid" 2>/dev/null || true
    rm -rf "$workdir"
}
trap cleanup EXIT

"$eddyd" --host 127.0.0.1 --port 0 --port-file "$workdir/port" --threads "$threads" \
    --data-dir "$workdir/data" >>"$workdir/eddyd.log" 2>&1 &
server_pid=$!
for _ in $(seq 1200); do
    [[ -s $workdir/port ]] && break
    kill -0 "$server_pid" 2>/dev/null || die "eddyd exited: $(tail -20 "$workdir/eddyd.log")"
    sleep 0.05
done
[[ -s $workdir/port ]] || die "eddyd wrote no port file within 60 s"
port=$(cat "$workdir/port")

timeout 1800 "$bench" --port "$port" --docs "$docs" --ops "$ops" --batch "$batch" \
    --rounds "$rounds" --json "$workdir/means.json" || die "eddy_subdoc_bench failed"
if ((sdk_ops > 0)); then
    echo
    echo "Couchbase Node.js SDK, 16 operations in flight, $sdk_ops per phase:"
    timeout 900 node "$repo/benchmarks/sdk-throughput.js" --port "$port" --concurrency 16 \
        --ops "$sdk_ops" || die "the SDK phase failed"
fi
kill -TERM "$server_pid"
timeout 120 tail --pid="$server_pid" -f /dev/null || die "eddyd did not stop within 120 s"
server_pid=
echo
echo "$docs documents of ~1 KiB, $ops requests per operation and round, batches of $batch," \
    "$rounds rounds; $threads front-end threads; $(nproc) cores"

if [[ -n $chart ]]; then
    jq -r 'to_entries[] | "\(.key) \(.value)"' "$workdir/means.json" >"$workdir/means.dat"
    gnuplot <<PLOT
set terminal svg size 720,400 font "sans,12"
set output "$chart"
set title "Sub-document and whole-document ops/s over one connection (batches of $batch)"
set style data histograms
set style fill solid 0.8 border -1
set ylabel "ops/s"
set yrange [0:*]
set xtics rotate by -30
set key off
plot "$workdir/means.dat" using 2:xtic(1)
PLOT
    echo "chart: $chart"
fi
