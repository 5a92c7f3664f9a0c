// The Couchbase Node.js SDK's upsert and get throughput against eddyd, with a fixed number of
// operations in flight.
//
//   node benchmarks/sdk-throughput.js --port P [--concurrency 16] [--ops 20000] [--docs 1000]
//
// Uses the SDK the client tests install (tests/clients/node/node_modules; run `npm install`
// there first). Each phase keeps --concurrency operations in flight until --ops are done:
// upsert of a small JSON document (key "sdk:%06d", --docs of them), then get of the same keys.
// Prints one JSON line: {"concurrency", "ops", "upsert_per_s", "get_per_s"}.
'use strict';

const path = require('node:path');
const couchbase = require(path.join(__dirname, '../tests/clients/node/node_modules/couchbase'));

function option(name, fallback) {
    const at = process.argv.indexOf(`--${name}`);
    return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

async function phase(ops, concurrency, operation) {
    let next = 0;
    const started = process.hrtime.bigint();
    async function worker() {
        while (next < ops) {
            const i = next++;
            await operation(i);
        }
    }
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return ops / seconds;
}

async function main() {
    const port = option('port', 11210);
    const concurrency = option('concurrency', 16);
    const ops = option('ops', 20000);
    const docs = option('docs', 1000);
    const cluster = await couchbase.connect(`couchbase://127.0.0.1:${port}`, {
        username: 'Administrator', password: 'password',
    });
    try {
        const collection = cluster.bucket('default').defaultCollection();
        const key = (i) => `sdk:${String(i % docs).padStart(6, '0')}`;
        const upsert = await phase(ops, concurrency,
                                   (i) => collection.upsert(key(i), { n: i, text: 'eddy' }));
        const get = await phase(ops, concurrency, (i) => collection.get(key(i)));
        console.log(JSON.stringify({ concurrency, ops, upsert_per_s: Math.round(upsert),
                                     get_per_s: Math.round(get) }));
    } finally {
        await cluster.close();
    }
}

main().catch((error) => {
    console.error(`sdk-throughput: ${error.message}`);
    process.exit(1);
});
