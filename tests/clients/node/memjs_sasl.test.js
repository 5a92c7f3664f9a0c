// memjs with SASL PLAIN against a real eddyd that requires authentication.
//
// The server (eddyd.js) runs with unauthenticated access off, PLAIN offered without TLS (memjs
// knows no other mechanism) and bucket_autoselect on (memjs knows no SELECT_BUCKET: a user
// named like a bucket is placed in it after logging in). The user "default" is added with
// eddyctl, which edits the files and makes the running server reload them.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { startEddyd, stopEddyd, cleanUpEddyd } = require('./eddyd');

const memjs = require('memjs');

const PASSWORD = 'memjs-sasl-secret';
let server;

function createClient(username, password) {
    return memjs.Client.create(`127.0.0.1:${server.port}`, {
        username, password, timeout: 5, conntimeout: 10, retries: 1, logger: { log: () => {} },
    });
}

before(async () => {
    server = await startEddyd({
        config: {
            unauthenticated_access: false,
            sasl_plain_without_tls: true,
            bucket_autoselect: true,
        },
    });
    const eddyctl = process.env.EDDYCTL;
    assert.ok(eddyctl, 'set EDDYCTL to the eddyctl binary (ctest does this)');
    execFileSync(eddyctl, ['-h', `127.0.0.1:${server.port}`, '-u', 'Administrator',
                           '-P', 'password', '--data-dir', server.dataDir,
                           'user', 'add', 'default', '--password', PASSWORD,
                           '--bucket', 'default=Read,Insert,Upsert,Delete,SimpleStats']);
});

after(async () => {
    await cleanUpEddyd(server);
});

test('a client without credentials is refused', async () => {
    const client = createClient(undefined, undefined);
    try {
        await assert.rejects(client.set('sasl:anonymous', 'x'));
    } finally {
        client.close();
    }
});

test('a wrong password fails authentication', async () => {
    const client = createClient('default', 'not-the-password');
    try {
        await assert.rejects(client.get('sasl:any'), /authentication failed/i);
    } finally {
        client.close();
    }
});

test('PLAIN logs in and lands in the bucket named like the user', async () => {
    const client = createClient('default', PASSWORD);
    try {
        assert.equal(await client.set('sasl:key', 'value'), true);
        const { value } = await client.get('sasl:key');
        assert.equal(value.toString(), 'value');
    } finally {
        client.close();
    }
});

test('eddyd stops on SIGTERM with exit code 0', async () => {
    const status = await stopEddyd(server);
    assert.deepEqual(status, { code: 0, signal: null }, server.stderr());
});
