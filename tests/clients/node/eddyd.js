// Starting and stopping a real eddyd for the Node client tests.
//
// startEddyd({config, tls}) starts the eddyd named by $EDDYD on 127.0.0.1, port 0, in a fresh
// temporary directory (data under <dir>/data, an optional JSON config file), and resolves once
// it has written its --port-file. With `tls`, $EDDYCTL first makes a development certificate in
// <dir>/tls and eddyd also listens for TLS on a free port: the result then has `tlsPort` and
// `caFile` (the certificate clients must trust). stopEddyd(server) sends SIGTERM and resolves to the exit
// status; killEddyd(server) is the cleanup for a test that failed half-way.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const START_TIMEOUT_MS = 30000;
const STOP_TIMEOUT_MS = 30000;

// A timer that does not keep the process alive on its own.
function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function startEddyd({ config, tls } = {}) {
    const eddyd = process.env.EDDYD;
    assert.ok(eddyd, 'set EDDYD to the eddyd binary (ctest does this)');
    assert.ok(fs.existsSync(eddyd), `EDDYD=${eddyd} does not exist`);
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eddy-node-'));
    const portFile = path.join(workDir, 'port');
    const dataDir = path.join(workDir, 'data');
    fs.mkdirSync(dataDir);
    const args = ['--host', '127.0.0.1', '--port', '0', '--port-file', portFile,
                  '--threads', '2', '--data-dir', dataDir];
    const tlsPortFile = path.join(workDir, 'tls-port');
    const tlsDir = path.join(workDir, 'tls');
    if (tls) {
        const eddyctl = process.env.EDDYCTL;
        assert.ok(eddyctl, 'set EDDYCTL to the eddyctl binary (ctest does this)');
        execFileSync(eddyctl, ['tls', 'create-dev-certificate', '--dir', tlsDir]);
        args.push('--tls-port', '0', '--tls-port-file', tlsPortFile,
                  '--tls-certificate-chain', path.join(tlsDir, 'chain.pem'),
                  '--tls-private-key', path.join(tlsDir, 'pkey.pem'));
    }
    if (config) {
        const configFile = path.join(workDir, 'eddy.json');
        fs.writeFileSync(configFile, JSON.stringify(config));
        args.push('--config', configFile);
    }
    const child = spawn(eddyd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.on('data', (chunk) => { stderr += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const exited = new Promise((resolve) => {
        child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    let gone = null;
    exited.then((status) => { gone = status; });

    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
        if (gone) {
            throw new Error(`eddyd exited before listening (${JSON.stringify(gone)}):\n${stderr}`);
        }
        let text = '';
        try {
            text = fs.readFileSync(portFile, 'utf8');
        } catch (err) {
            if (err.code !== 'ENOENT') throw err;
        }
        if (text.endsWith('\n')) {
            const port = Number.parseInt(text, 10);
            assert.ok(port > 0 && port < 65536, `bad port file contents: ${JSON.stringify(text)}`);
            const server = { child, port, exited, workDir, dataDir, stderr: () => stderr };
            if (tls) {
                // Written before the plain port file, so it is complete by now.
                server.tlsPort = Number.parseInt(fs.readFileSync(tlsPortFile, 'utf8'), 10);
                server.caFile = path.join(tlsDir, 'chain.pem');
            }
            return server;
        }
        if (Date.now() > deadline) {
            child.kill('SIGKILL');
            throw new Error(`eddyd did not write ${portFile} within ${START_TIMEOUT_MS} ms:\n${stderr}`);
        }
        await sleep(25);
    }
}

// SIGTERM, then the exit status ({code, signal}) or 'timeout'.
async function stopEddyd(server) {
    server.child.kill('SIGTERM');
    const timer = sleep(STOP_TIMEOUT_MS).then(() => 'timeout');
    return Promise.race([server.exited, timer]);
}

// After a test: shows eddyd's output (ctest prints it only for a failed test), kills a server
// still running and removes its directory.
async function cleanUpEddyd(server) {
    if (!server) return;
    const output = server.stderr();
    if (output.length > 0) {
        process.stderr.write(`--- eddyd output ---\n${output.split('\n').slice(-200).join('\n')}\n`);
    }
    if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
    }
    fs.rmSync(server.workDir, { recursive: true, force: true });
}

module.exports = { startEddyd, stopEddyd, cleanUpEddyd, sleep, STOP_TIMEOUT_MS };
