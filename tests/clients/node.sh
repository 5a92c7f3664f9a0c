#!/usr/bin/env bash
# clients.memjs, clients.couchbase_sdk: npm clients against a real eddyd.
#
#   tests/clients/node.sh <path/to/eddyd> <path/to/eddyctl> <npm package> <test file>...
#
# Runs the test files of tests/clients/node (memjs.test.js, memjs_sasl.test.js,
# couchbase_sdk.test.js) with Node's built-in test runner, after checking that the npm package
# they use is installed; they start and stop eddyd themselves (port 0 + --port-file, SIGTERM,
# exit code 0 required).
set -euo pipefail

if [[ $# -lt 4 ]]; then
    echo "usage: $0 <eddyd> <eddyctl> <npm package> <test file>..." >&2
    exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
eddyd=$(realpath "$1")
eddyctl=$(realpath "$2")
package=$3
shift 3

if ! command -v node >/dev/null; then
    echo "FAIL: node not found; run scripts/install-deps.sh" >&2
    exit 1
fi
if [[ ! -d $here/node/node_modules/$package ]]; then
    echo "FAIL: $here/node/node_modules/$package is missing; run scripts/install-deps.sh" \
        "(it runs 'npm install' in tests/clients/node)" >&2
    exit 1
fi

cd "$here/node"
EDDYD=$eddyd EDDYCTL=$eddyctl exec node --test "$@"
