// memjs (npm, memcached binary protocol) against a real eddyd.
//
// Starts the eddyd named by $EDDYD (eddyd.js) with its development defaults, under which a client
// that does not authenticate uses the bucket "default". Every test talks to that one server
// through one memjs client; the last step stops eddyd with SIGTERM and requires exit code 0 (a
// sanitizer report makes eddyd exit non-zero). memjs_sasl.test.js covers memjs with SASL.
//
// memjs 1.3.2 quirks this file works around, so a failure here is about the server:
//  - Client#prepend sends opcode 0x0e (APPEND); PREPEND (0x0f) is sent through Client#perform,
//    memjs's own request path, with a request buffer built by memjs.Utils.makeRequestBuffer.
//  - Client#decrement needs an options object (it reads options.initial).
//  - The default per-request timeout is 0.5 s; sanitizer builds get more.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startEddyd, stopEddyd, cleanUpEddyd, STOP_TIMEOUT_MS } = require('./eddyd');

let memjs;
try {
    memjs = require('memjs');
} catch (err) {
    throw new Error(
        `memjs is not installed in ${__dirname}/node_modules (${err.message}); ` +
        'run scripts/install-deps.sh (it runs npm ci there)');
}

let server;      // see eddyd.js
let client;

// Builds a request with memjs's own encoder and sends it over the client's connection.
function rawRequest(opcode, key, extras, value) {
    return new Promise((resolve, reject) => {
        client.incrSeq();
        const request = memjs.Utils.makeRequestBuffer(opcode, key, extras, value, client.seq);
        client.perform(key, request, client.seq, (err, response) => {
            if (err) reject(err); else resolve(response);
        });
    });
}

async function getString(key) {
    const { value } = await client.get(key);
    return value === null ? null : value.toString();
}

before(async () => {
    server = await startEddyd();
    client = memjs.Client.create(`127.0.0.1:${server.port}`, {
        timeout: 5,
        conntimeout: 10,
        retries: 1,
        logger: { log: () => {} },  // failures surface as assertions, not console noise
    });
    await client.flush();
});

after(async () => {
    if (client) client.close();
    await cleanUpEddyd(server);
});

test('set then get returns the value', async () => {
    assert.equal(await client.set('memjs:set', 'hello'), true);
    assert.equal(await getString('memjs:set'), 'hello');
    assert.equal(await client.set('memjs:set', 'again'), true, 'set overwrites');
    assert.equal(await getString('memjs:set'), 'again');
});

test('get of a missing key is a miss, not an error', async () => {
    const { value, flags } = await client.get('memjs:missing');
    assert.equal(value, null);
    assert.equal(flags, null);
});

test('binary values round-trip byte for byte', async () => {
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; ++i) bytes[i] = (i * 31 + 7) & 0xff;
    assert.equal(await client.set('memjs:binary', bytes), true);
    const { value } = await client.get('memjs:binary');
    assert.ok(value.equals(bytes));
});

test('add succeeds on a new key and fails on an existing one', async () => {
    assert.equal(await client.add('memjs:add', 'first'), true);
    assert.equal(await client.add('memjs:add', 'second'), false);
    assert.equal(await getString('memjs:add'), 'first');
});

test('replace fails on a missing key and succeeds on an existing one', async () => {
    assert.equal(await client.replace('memjs:replace', 'nope'), false);
    assert.equal(await getString('memjs:replace'), null);
    assert.equal(await client.set('memjs:replace', 'old'), true);
    assert.equal(await client.replace('memjs:replace', 'new'), true);
    assert.equal(await getString('memjs:replace'), 'new');
});

test('increment creates with the initial value, then adds', async () => {
    let result = await client.increment('memjs:counter', 5, { initial: 10 });
    assert.deepEqual(result, { success: true, value: 10 });
    result = await client.increment('memjs:counter', 5, {});
    assert.deepEqual(result, { success: true, value: 15 });
    assert.equal(await getString('memjs:counter'), '15');
});

test('decrement subtracts and stops at zero', async () => {
    let result = await client.decrement('memjs:down', 1, { initial: 3 });
    assert.deepEqual(result, { success: true, value: 3 });
    result = await client.decrement('memjs:down', 2, {});
    assert.deepEqual(result, { success: true, value: 1 });
    result = await client.decrement('memjs:down', 5, {});
    assert.deepEqual(result, { success: true, value: 0 }, 'decrement never goes below 0');
    assert.equal(await getString('memjs:down'), '0');
});

test('increment of a non-numeric value is an error', async () => {
    assert.equal(await client.set('memjs:text', 'abc'), true);
    await assert.rejects(client.increment('memjs:text', 1, {}), /MemJS INCREMENT/);
    assert.equal(await getString('memjs:text'), 'abc');
});

test('delete removes an existing key and reports a missing one', async () => {
    assert.equal(await client.set('memjs:delete', 'x'), true);
    assert.equal(await client.delete('memjs:delete'), true);
    assert.equal(await getString('memjs:delete'), null);
    assert.equal(await client.delete('memjs:delete'), false);
});

test('append and prepend extend an existing value', async () => {
    assert.equal(await client.set('memjs:cat', 'middle'), true);
    assert.equal(await client.append('memjs:cat', '-end'), true);
    assert.equal(await getString('memjs:cat'), 'middle-end');

    const PREPEND = 0x0f;
    const response = await rawRequest(PREPEND, 'memjs:cat', '', 'start-');
    assert.equal(response.header.status, 0, 'PREPEND status');
    assert.equal(await getString('memjs:cat'), 'start-middle-end');
});

test('append and prepend on a missing key fail', async () => {
    // memcached and kv_engine answer NOT_STORED (0x05), which memjs turns into an error; memjs
    // maps KEY_ENOENT (0x01) to `false`. Either is a failure to store, and nothing may appear.
    const appended = await client.append('memjs:nocat', 'x').catch((err) => err);
    assert.ok(appended === false || /Item not stored/.test(appended.message),
              `APPEND on a missing key gave ${appended}`);
    const NOT_FOUND = 0x01;
    const NOT_STORED = 0x05;
    const response = await rawRequest(0x0f, 'memjs:nocat', '', 'x');
    assert.ok([NOT_FOUND, NOT_STORED].includes(response.header.status),
              `PREPEND on a missing key gave status 0x${response.header.status.toString(16)}`);
    assert.equal(await getString('memjs:nocat'), null);
});

test('flush empties the bucket', async () => {
    assert.equal(await client.set('memjs:flush1', 'a'), true);
    assert.equal(await client.set('memjs:flush2', 'b'), true);
    const results = await client.flush();
    assert.deepEqual(results, { [`127.0.0.1:${server.port}`]: true });
    assert.equal(await getString('memjs:flush1'), null);
    assert.equal(await getString('memjs:flush2'), null);
});

test('eddyd stops on SIGTERM with exit code 0', async () => {
    client.close();
    client = null;
    const status = await stopEddyd(server);
    assert.notEqual(status, 'timeout', `eddyd did not exit within ${STOP_TIMEOUT_MS} ms after SIGTERM`);
    assert.deepEqual(status, { code: 0, signal: null },
                     `eddyd exit status ${JSON.stringify(status)}; its output:\n${server.stderr()}`);
});
