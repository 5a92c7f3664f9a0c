// The unmodified Couchbase Node.js SDK (npm couchbase 4.7.1, its C++ core inside) against a real
// eddyd, over plain TCP and over TLS.
//
// The SDK bootstraps over MCBP alone: HELLO, SASL SCRAM-SHA512 (PLAIN under TLS), the error map,
// GET_CLUSTER_CONFIG on a bucket-less connection (the node list), then a bucket connection to
// the node the map names (SELECT_BUCKET, GET_CLUSTER_CONFIG again: the vbucket map). Its key
// operations then go to the vbucket the map gives each key. So a passing upsert/get/remove
// shows every step of that chain, with the development credentials of a new data directory.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { startEddyd, stopEddyd, cleanUpEddyd } = require('./eddyd');

const couchbase = require('couchbase');

const TIMEOUTS = { bootstrapTimeout: 15000, connectTimeout: 15000, kvTimeout: 10000 };
let server;

before(async () => {
    server = await startEddyd({ tls: true });
});

after(async () => {
    await cleanUpEddyd(server);
});

// upsert, get, replace with CAS, remove and a get of the removed document.
async function roundTrip(cluster, key) {
    const collection = cluster.bucket('default').defaultCollection();
    const document = { name: 'eddy', tags: ['kv', 'persistent'], count: 1 };
    const stored = await collection.upsert(key, document);
    assert.ok(stored.cas, 'upsert returns a CAS');
    const fetched = await collection.get(key);
    assert.deepEqual(fetched.content, document);
    assert.equal(fetched.cas.toString(), stored.cas.toString());

    const replaced = await collection.replace(key, { ...document, count: 2 }, { cas: fetched.cas });
    await assert.rejects(collection.replace(key, document, { cas: fetched.cas }),
                         couchbase.CasMismatchError);
    await collection.remove(key, { cas: replaced.cas });
    await assert.rejects(collection.get(key), couchbase.DocumentNotFoundError);
}

test('upsert, get, replace and remove over plain TCP', async () => {
    const cluster = await couchbase.connect(`couchbase://127.0.0.1:${server.port}`, {
        username: 'Administrator', password: 'password', timeouts: TIMEOUTS,
    });
    try {
        await roundTrip(cluster, 'sdk:plain');
        // A large value the SDK sends snappy-compressed (eddyd grants Snappy and inflates it).
        const collection = cluster.bucket('default').defaultCollection();
        const text = 'eddy '.repeat(20000);
        await collection.upsert('sdk:large', { text });
        assert.equal((await collection.get('sdk:large')).content.text, text);
    } finally {
        await cluster.close();
    }
});

test('upsert, get, replace and remove over TLS', async () => {
    const cluster = await couchbase.connect(`couchbases://127.0.0.1:${server.tlsPort}`, {
        username: 'Administrator', password: 'password', timeouts: TIMEOUTS,
        security: { trustStorePath: server.caFile },
    });
    try {
        await roundTrip(cluster, 'sdk:tls');
    } finally {
        await cluster.close();
    }
});

test('insert, exists, touch, getAndTouch, getAndLock/unlock and the binary operations', async () => {
    const cluster = await couchbase.connect(`couchbase://127.0.0.1:${server.port}`, {
        username: 'Administrator', password: 'password', timeouts: TIMEOUTS,
    });
    try {
        const collection = cluster.bucket('default').defaultCollection();
        await collection.insert('sdk:insert', { n: 1 });
        await assert.rejects(collection.insert('sdk:insert', { n: 2 }),
                             couchbase.DocumentExistsError);
        await assert.rejects(collection.replace('sdk:absent', { n: 1 }),
                             couchbase.DocumentNotFoundError);

        assert.equal((await collection.exists('sdk:insert')).exists, true);
        assert.equal((await collection.exists('sdk:never')).exists, false);
        await collection.upsert('sdk:gone', { n: 0 });
        await collection.remove('sdk:gone');
        assert.equal((await collection.exists('sdk:gone')).exists, false);

        await collection.touch('sdk:insert', 3600);
        const touched = await collection.getAndTouch('sdk:insert', 7200);
        assert.deepEqual(touched.content, { n: 1 });

        const locked = await collection.getAndLock('sdk:insert', 15);
        assert.deepEqual(locked.content, { n: 1 });
        // A write to a locked document answers LOCKED, which the SDK retries until its timeout.
        await assert.rejects(collection.upsert('sdk:insert', { n: 3 }, { timeout: 1000 }),
                             (err) => err instanceof couchbase.AmbiguousTimeoutError &&
                                 err.context.retry_reasons.includes('key_value_locked'));
        await collection.unlock('sdk:insert', locked.cas);
        await collection.upsert('sdk:insert', { n: 4 });
        assert.deepEqual((await collection.get('sdk:insert')).content, { n: 4 });

        const binary = collection.binary();
        const first = await binary.increment('sdk:counter', 5, { initial: 10 });
        assert.equal(first.value, 10);
        assert.equal((await binary.increment('sdk:counter', 5)).value, 15);
        assert.equal((await binary.decrement('sdk:counter', 3)).value, 12);
        await collection.upsert('sdk:bytes', Buffer.from('middle'));
        await binary.append('sdk:bytes', Buffer.from('-end'));
        await binary.prepend('sdk:bytes', Buffer.from('start-'));
        assert.equal((await collection.get('sdk:bytes')).content.toString(), 'start-middle-end');
    } finally {
        await cluster.close();
    }
});

test('lookupIn and mutateIn with several paths and xattrs', async () => {
    const cluster = await couchbase.connect(`couchbase://127.0.0.1:${server.port}`, {
        username: 'Administrator', password: 'password', timeouts: TIMEOUTS,
    });
    try {
        const { LookupInSpec, MutateInSpec } = couchbase;
        const collection = cluster.bucket('default').defaultCollection();
        await collection.upsert('sdk:sub', { name: 'eddy', tags: ['kv'], n: 1 });

        const mutated = await collection.mutateIn('sdk:sub', [
            MutateInSpec.upsert('meta.rev', 1, { xattr: true, createPath: true }),
            MutateInSpec.insert('address', { city: 'Oslo' }),
            MutateInSpec.arrayAppend('tags', 'json'),
            MutateInSpec.increment('n', 4),
            MutateInSpec.remove('name'),
        ]);
        assert.ok(mutated.cas, 'mutateIn returns a CAS');
        assert.equal(mutated.content[3].value, 5);

        const looked = await collection.lookupIn('sdk:sub', [
            LookupInSpec.get('meta', { xattr: true }),
            LookupInSpec.get('$document.CAS', { xattr: true }),
            LookupInSpec.get('address.city'),
            LookupInSpec.exists('name'),
            LookupInSpec.count('tags'),
        ]);
        assert.deepEqual(looked.content[0].value, { rev: 1 });
        assert.equal(BigInt(looked.content[1].value), BigInt(looked.cas.toString()));
        assert.equal(looked.content[2].value, 'Oslo');
        assert.equal(looked.content[3].value, false);
        assert.equal(looked.content[4].value, 2);
        // The body never shows the xattrs.
        assert.deepEqual((await collection.get('sdk:sub')).content,
                         { tags: ['kv', 'json'], n: 5, address: { city: 'Oslo' } });
        // get with expiry reads $document.exptime through a lookup.
        await collection.touch('sdk:sub', 3600);
        const withExpiry = await collection.get('sdk:sub', { withExpiry: true });
        const expected = Math.floor(Date.now() / 1000) + 3600;
        assert.ok(Math.abs(withExpiry.expiryTime - expected) <= 5,
                  `expiry ${withExpiry.expiryTime}, about ${expected} expected`);

        await assert.rejects(collection.mutateIn('sdk:sub', [MutateInSpec.insert('address', 1)]),
                             couchbase.PathExistsError);
        // A lookup's per-path failure is in its entry, not a rejection.
        const mismatch = await collection.lookupIn('sdk:sub', [LookupInSpec.get('n[0]')]);
        assert.ok(mismatch.content[0].error instanceof couchbase.PathMismatchError,
                  String(mismatch.content[0].error));
        await assert.rejects(
            collection.mutateIn('sdk:sub', [MutateInSpec.upsert('a', 1)], { cas: mutated.cas }),
            couchbase.CasMismatchError);
        await assert.rejects(collection.lookupIn('sdk:none', [LookupInSpec.get('a')]),
                             couchbase.DocumentNotFoundError);

        // Upsert semantics create the document; insert semantics refuse an existing one.
        await collection.mutateIn('sdk:made', [MutateInSpec.upsert('a.b', 1, { createPath: true })],
                                  { storeSemantics: couchbase.StoreSemantics.Upsert });
        assert.deepEqual((await collection.get('sdk:made')).content, { a: { b: 1 } });
        await assert.rejects(
            collection.mutateIn('sdk:made', [MutateInSpec.upsert('c', 1)],
                                { storeSemantics: couchbase.StoreSemantics.Insert }),
            couchbase.DocumentExistsError);
    } finally {
        await cluster.close();
    }
});

test('a named scope and collection created with eddyctl', async () => {
    const eddyctl = process.env.EDDYCTL;
    assert.ok(eddyctl, 'set EDDYCTL to the eddyctl binary (ctest does this)');
    execFileSync(eddyctl, ['-h', `127.0.0.1:${server.port}`, '-u', 'Administrator', '-P', 'password',
                           'collection', 'create', 'inventory.airlines']);
    const cluster = await couchbase.connect(`couchbase://127.0.0.1:${server.port}`, {
        username: 'Administrator', password: 'password', timeouts: TIMEOUTS,
    });
    try {
        const bucket = cluster.bucket('default');
        const airlines = bucket.scope('inventory').collection('airlines');
        await airlines.upsert('klm', { name: 'KLM' });
        // The same key in the default collection is another document.
        await bucket.defaultCollection().upsert('klm', { name: 'default' });
        assert.deepEqual((await airlines.get('klm')).content, { name: 'KLM' });
        assert.deepEqual((await bucket.defaultCollection().get('klm')).content, { name: 'default' });
        const looked = await airlines.lookupIn('klm', [couchbase.LookupInSpec.get('name')]);
        assert.equal(looked.content[0].value, 'KLM');
        await airlines.remove('klm');
        await assert.rejects(airlines.get('klm'), couchbase.DocumentNotFoundError);
        assert.deepEqual((await bucket.defaultCollection().get('klm')).content, { name: 'default' });
        // A scope that does not exist fails at once.
        await assert.rejects(bucket.scope('nope').collection('c').get('k', { timeout: 3000 }),
                             couchbase.ScopeNotFoundError);
    } finally {
        await cluster.close();
    }
});

test('a wrong password is an authentication failure', async () => {
    await assert.rejects(
        couchbase.connect(`couchbase://127.0.0.1:${server.port}`, {
            username: 'Administrator', password: 'wrong', timeouts: TIMEOUTS,
        }),
        couchbase.AuthenticationFailureError);
});

test('eddyd stops on SIGTERM with exit code 0', async () => {
    const status = await stopEddyd(server);
    assert.deepEqual(status, { code: 0, signal: null }, server.stderr());
});
