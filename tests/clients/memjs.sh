#!/usr/bin/env bash
# clients.memjs: the memjs npm client (memcached binary protocol) against a real eddyd.
#
#   tests/clients/memjs.sh <path/to/eddyd> <path/to/eddyctl>
#
# Runs tests/clients/node/memjs.test.js (no authentication, the development default) and
# memjs_sasl.test.js (SASL PLAIN, a user added with eddyctl) with Node's built-in test runner;
# they start and stop eddyd themselves (port 0 + --port-file, SIGTERM, exit code 0 required).
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 <eddyd> <eddyctl>" >&2
    exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
eddyd=$(realpath "$1")
eddyctl=$(realpath "$2")

if ! command -v node >/dev/null; then
    echo "FAIL: node not found; run scripts/install-deps.sh" >&2
    exit 1
fi
if [[ ! -d $here/node/node_modules/memjs ]]; then
    echo "FAIL: $here/node/node_modules/memjs is missing; run scripts/install-deps.sh" \
        "(it runs 'npm ci' in tests/clients/node)" >&2
    exit 1
fi

cd "$here/node"
EDDYD=$eddyd EDDYCTL=$eddyctl exec node --test memjs.test.js memjs_sasl.test.js
