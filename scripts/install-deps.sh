#!/usr/bin/env bash
# Installs everything eddy's build, tests and benchmarks need on Debian 12 (bookworm), then the
# npm packages of the real-client tests. Idempotent: when every package is already installed it
# does not touch apt at all. Non-interactive; uses sudo only when not run as root.
#
#   scripts/install-deps.sh
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian packages, one group per need.
packages=(
    # toolchain: gcc for release builds, clang 14 for the sanitizer builds, the libFuzzer and
    # sanitizer runtimes (libclang-rt-14-dev), ccache so the three CI builds reuse objects
    cmake ninja-build g++ clang libclang-rt-14-dev ccache pkg-config
    # libraries (cmake/dependencies.cmake)
    libevent-dev libspdlog-dev libfmt-dev nlohmann-json3-dev rapidjson-dev libcli11-dev libsnappy-dev
    librocksdb-dev libssl-dev
    # the development TLS certificate of `make run` (openssl req)
    openssl
    # unit tests and micro-benchmarks
    libgtest-dev libgmock-dev libbenchmark-dev
    # style: `make format` / the format check, and `make tidy`
    clang-format clang-tidy
    # real clients and the side-by-side benchmark: memccapable, memcaslap, Debian's memcached,
    # and gnuplot for the benchmarks' charts
    libmemcached-tools memcached gnuplot-nox
)

# Node.js runs the npm client tests (memjs). Any node >= 18 on PATH will do (`node --test`);
# only without one do we take Debian's nodejs and npm.
if ! command -v node >/dev/null 2>&1; then
    packages+=(nodejs npm)
fi

if [[ $(id -u) -eq 0 ]]; then
    sudo=()
else
    sudo=(sudo)
fi

is_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) == ii* ]]
}

missing=()
for package in "${packages[@]}"; do
    if ! is_installed "$package"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} Debian packages already installed"
else
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Node: check the version the tests need.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: node or npm still missing after apt; cannot install the npm clients" >&2
    exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 18)); then
    echo "install-deps: node $(node --version) is too old; the client tests need node >= 18" >&2
    exit 1
fi

# npm packages of the client tests, pinned by package.json and package-lock.json.
node_dir=$repo/tests/clients/node
# Every dependency of package.json present = installed (a checkout that gained one installs).
missing=$(cd "$node_dir" && node -e '
    const fs = require("fs");
    const deps = Object.keys(require("./package.json").dependencies || {});
    console.log(deps.filter((name) => !fs.existsSync(`node_modules/${name}/package.json`)).join(" "));')
if [[ -z $missing ]]; then
    echo "install-deps: $node_dir/node_modules present (node $(node --version))"
else
    # `npm install`, not `npm ci`: the lock cannot list the Couchbase SDK's Windows binary
    # (an optional dependency that npm mirrors may not serve), and `npm ci` refuses a lock
    # without it. The versions are exact in package.json; the lock pins everything else.
    echo "install-deps: npm install in $node_dir (node $(node --version), npm $(npm --version))"
    (cd "$node_dir" && npm install --no-audit --no-fund)
fi
echo "install-deps: done"
