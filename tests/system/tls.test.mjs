// TLS on the one HTTPS port: 1.2 minimum (1.3 preferred), no plain HTTP,
// and a certificate chain a console can verify with the site's CA.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { run, startIccs } from '../lib/harness.mjs';

let h;
before(async () => {
  h = await startIccs();
});
after(async () => {
  if (h) assert.equal(await h.stop(), 0);
});

function sClient(port, args) {
  return run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`,
    '-brief', ...args], { timeoutMs: 10000 });
}

test('TLS 1.1 is refused with alert protocol version (70)', async () => {
  // SECLEVEL=0 so our own client is willing to offer 1.1: the refusal
  // under test is the server's
  const r = await sClient(h.port, ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0']);
  const out = r.stdout + r.stderr;
  assert.notEqual(r.code, 0, out);
  assert.match(out, /alert protocol version/, out);
  assert.match(out, /alert number 70/, out);
  assert.doesNotMatch(out, /CONNECTION ESTABLISHED/);
});

for (const [flag, proto] of [['-tls1_2', 'TLSv1.2'], ['-tls1_3', 'TLSv1.3']]) {
  test(`${proto} connects and the chain verifies with the test CA`,
    async () => {
      const r = await sClient(h.port, [flag, '-CAfile', h.caFile,
        '-verify_return_error', '-verify_ip', '127.0.0.1']);
      const out = r.stdout + r.stderr;
      assert.equal(r.code, 0, out);
      assert.match(out, /CONNECTION ESTABLISHED/, out);
      assert.match(out, new RegExp(`Protocol version: ${proto}\\b`), out);
      assert.match(out, /Verification: OK/, out);
    });
}

test('a client that offers 1.2 and 1.3 gets 1.3', async () => {
  const proto = await new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: h.port, ca: h.ca,
      rejectUnauthorized: true }, () => {
      const p = s.getProtocol();
      s.end();
      resolve(p);
    });
    s.once('error', reject);
  });
  assert.equal(proto, 'TLSv1.3');
});

test('the certificate chain verifies against the test CA only', async () => {
  // Node checks chain and hostname (IP SAN 127.0.0.1) with only our CA
  const ok = await new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: h.port, ca: h.ca,
      rejectUnauthorized: true }, () => {
      const peer = s.getPeerCertificate(true);
      s.end();
      resolve({ authorized: s.authorized, peer });
    });
    s.once('error', reject);
  });
  assert.equal(ok.authorized, true);
  assert.match(ok.peer.subjectaltname, /IP Address:127\.0\.0\.1/);
  // ...and without the test CA the same server is not trusted
  const err = await new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port: h.port,
      rejectUnauthorized: true }, () => {
      s.end();
      resolve(null);
    });
    s.once('error', resolve);
  });
  assert.ok(err, 'connected without the CA');
});

// libre listens with a backlog of 5; a room's consoles reconnecting at
// once after a network blip need more (the kernel shows the backlog as the
// listener's Send-Q)
test('the console port listens with a backlog of 256', async () => {
  const r = await run('ss', ['-Hltn', `sport = :${h.port}`]);
  assert.equal(r.code, 0, r.stderr);
  const cols = r.stdout.trim().split(/\s+/);
  assert.equal(cols[0], 'LISTEN', r.stdout);
  assert.equal(Number(cols[2]), 256, `Send-Q (backlog): ${r.stdout}`);
});

test('plain HTTP on the port gets no HTTP answer', async () => {
  const got = await new Promise((resolve, reject) => {
    const s = net.connect(h.port, '127.0.0.1');
    const chunks = [];
    s.on('data', (d) => chunks.push(d));
    s.once('connect', () => s.write('GET /healthz HTTP/1.1\r\n' +
      'Host: 127.0.0.1\r\nConnection: close\r\n\r\n'));
    s.once('error', (err) => {
      if (err.code === 'ECONNRESET') resolve(Buffer.concat(chunks));
      else reject(err);
    });
    s.once('close', () => resolve(Buffer.concat(chunks)));
    // A TLS server either alerts and closes or closes: never waits for
    // more than a handshake's worth of bytes; bound the wait anyway
    s.setTimeout(5000, () => {
      s.destroy();
      resolve(Buffer.concat(chunks));
    });
  });
  assert.doesNotMatch(got.toString('latin1'), /HTTP\/1\.[01]/,
    'the daemon answered plain HTTP');
  // the daemon is still healthy afterwards
  const s = await new Promise((resolve, reject) => {
    const c = tls.connect({ host: '127.0.0.1', port: h.port, ca: h.ca },
      () => {
        c.end();
        resolve(c.authorized);
      });
    c.once('error', reject);
  });
  assert.equal(s, true);
});

test('tls.min_version "1.3" refuses TLS 1.2', async () => {
  const h13 = await startIccs({ minTls: '1.3' });
  try {
    const r12 = await sClient(h13.port, ['-tls1_2', '-CAfile', h13.caFile]);
    const out = r12.stdout + r12.stderr;
    assert.notEqual(r12.code, 0, out);
    assert.match(out, /alert protocol version/, out);
    const r13 = await sClient(h13.port, ['-tls1_3', '-CAfile', h13.caFile,
      '-verify_return_error']);
    assert.equal(r13.code, 0, r13.stdout + r13.stderr);
    assert.match(r13.stdout + r13.stderr, /Protocol version: TLSv1\.3/);
  } finally {
    assert.equal(await h13.stop(), 0);
  }
});
