// The simulated ESN network (iccs-sim esn) as a real peer: sipp plays the
// dispatcher over mutual TLS (this sipp has no TLS, so a node TLS tunnel
// carrying the dispatcher's client certificate stands between them), and
// a small UDP client speaks TS 24.380 floor control with hand-built
// packets (bytes as in shared/reference/radio-protocols.md §1.5).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { BUILD, MKCERTS, ROOT, makeTempDir, freePort, run, waitFor }
  from '../lib/harness.mjs';

const SIM = path.join(BUILD, 'sim', 'iccs-sim');
const SCEN = path.join(ROOT, 'tests', 'sim');
const DOMAIN = 'esn.example';
const GROUP = `sip:g1@${DOMAIN}`;
const KEY = Buffer.alloc(30, 7).toString('base64');

let dir; let sim; let tunnel; let sipPort; let httpPort; let tunPort;
let simOut = '';

async function api(method, p, body) {
  const r = await fetch(`http://127.0.0.1:${httpPort}${p}`, {
    method, body: body ? JSON.stringify(body) : undefined,
    headers: body ? { 'content-type': 'application/json' } : {},
  });
  return { status: r.status, json: r.status === 200 ? await r.json() : null };
}

const state = async () => (await api('GET', '/v1/state')).json;

// Plain TCP in (sipp), TLS with the client certificate out (the sim)
function startTunnel(certFile) {
  const pem = fs.readFileSync(certFile);
  const ca = fs.readFileSync(path.join(dir, 'ca.crt'));
  const srv = net.createServer((c) => {
    const t = tls.connect({ host: '127.0.0.1', port: sipPort, cert: pem,
      key: pem, ca, servername: 'localhost' });
    c.pipe(t).pipe(c);
    const end = () => { c.destroy(); t.destroy(); };
    c.on('error', end); t.on('error', end); c.on('close', end);
    t.on('close', end);
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1',
    () => resolve(srv)));
}

// sipp takes -key values in message text only, so values used in XML
// attributes (response="[expect]", milliseconds="[hold]") are filled in
// here, into a copy of the scenario in the temp directory
function sipp(scenario, keys, port, timeoutMs = 30000) {
  let xml = fs.readFileSync(path.join(SCEN, scenario), 'utf8');
  for (const [k, v] of Object.entries(keys))
    xml = xml.replaceAll(`"[${k}]"`, `"${v}"`);
  const sf = path.join(dir, `${keys.expect}-${scenario}`);
  fs.writeFileSync(sf, xml);
  const args = [`127.0.0.1:${port}`, '-sf', sf,
    '-t', 't1', '-m', '1', '-l', '1', '-timeout', '25', '-nostdin',
    '-timeout_error', '-max_recv_loops', '1000'];
  for (const [k, v] of Object.entries(keys)) args.push('-key', k, `${v}`);
  return run('sipp', args, { timeoutMs, cwd: dir });
}

before(async () => {
  dir = await makeTempDir('iccs-esn-');
  for (const a of [[dir], [dir, '--client', 'd1'], [dir, '--client', 'd2']]) {
    const r = await run(MKCERTS, a);
    assert.equal(r.code, 0, r.stderr);
  }
  sipPort = await freePort();
  httpPort = await freePort();
  const conf = path.join(dir, 'esn.yaml');
  fs.writeFileSync(conf, [
    `listen: 127.0.0.1:${sipPort}`, `domain: ${DOMAIN}`,
    `tls: {cert: ${dir}/server.pem, ca: ${dir}/ca.crt}`,
    `http: 127.0.0.1:${httpPort}`, 'time_limit: 30',
    'groups:', `  - {uri: "${GROUP}", name: Ops 1}`,
    'radios:', `  - {id: r1, alias: Alpha 1, groups: ["${GROUP}"],` +
      ' priority: 5, speech: "Alpha one, all quiet"}',
    'dispatchers:', `  - {mcptt_id: "sip:disp1@${DOMAIN}", cn: d1}`,
    ''].join('\n'));
  sim = spawn(SIM, ['esn', '--config', conf],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  sim.stdout.on('data', (d) => { simOut += d; });
  sim.stderr.on('data', (d) => { simOut += d; });
  await waitFor(() => simOut.includes('esn: ready'), 15000, 'sim ready');
  tunnel = await startTunnel(path.join(dir, 'client-d1.pem'));
  tunPort = tunnel.address().port;
});

after(async () => {
  tunnel?.close();
  if (sim && sim.exitCode === null) {
    try { process.kill(sim.pid, 'SIGTERM'); } catch { /* gone */ }
    await new Promise((r) => { sim.once('exit', r); setTimeout(r, 5000); });
    if (sim.exitCode === null) process.kill(sim.pid, 'SIGKILL');
  }
  if (process.env.ICCS_KEEP_DIRS !== '1')
    fs.rmSync(dir, { recursive: true, force: true });
});

test('sipp registers over mutual TLS when the certificate CN matches',
  async () => {
    const r = await sipp('esn-register.xml',
      { user: 'disp1', domain: DOMAIN, expect: 200 }, tunPort);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const s = await state();
    const reg = s.registrations.find((x) => x.mcptt_id ===
      `sip:disp1@${DOMAIN}`);
    assert.ok(reg, JSON.stringify(s));
    assert.equal(reg.cn, 'd1');
    assert.equal(reg.expires, 600);
  });

test('a certificate for another user gets 403', async () => {
  const t2 = await startTunnel(path.join(dir, 'client-d2.pem'));
  try {
    const r = await sipp('esn-register.xml',
      { user: 'disp1', domain: DOMAIN, expect: 403 }, t2.address().port);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  } finally { t2.close(); }
});

test('no client certificate: the TLS handshake is refused', async () => {
  const ca = fs.readFileSync(path.join(dir, 'ca.crt'));
  const err = await new Promise((resolve) => {
    const t = tls.connect({ host: '127.0.0.1', port: sipPort, ca,
      servername: 'localhost' }, () => {
      t.write('OPTIONS sip:x SIP/2.0\r\n\r\n');
    });
    t.on('error', (e) => resolve(e));
    t.on('close', () => resolve(new Error('closed')));
    t.on('data', () => resolve(null));
  });
  assert.ok(err, 'the network answered a client without a certificate');
});

test('an INVITE to an unknown group gets 404', async () => {
  const r = await sipp('esn-join.xml', { user: 'disp1', domain: DOMAIN,
    group: `sip:nope@${DOMAIN}`, rtp_port: 40000, floor_port: 40002,
    key: KEY, prio: 5, hold: 10, expect: 404, bye_expect: 481 }, tunPort);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

// Floor messages: [type, fields] from one APP packet
function parseFloor(b) {
  const type = b[0] & 0x0f;
  const f = {};
  for (let i = 12; i + 2 <= b.length;) {
    const id = b[i]; const len = b[i + 1];
    f[id] = b.subarray(i + 2, i + 2 + len);
    i += 2 + len + ((4 - ((2 + len) % 4)) % 4);
  }
  return { type, ack: (b[0] & 0x10) !== 0, f };
}

// Floor Request, priority p, Floor Indicator normal (§1.5 worked example)
const floorRequest = (ssrc, p) => Buffer.from([0x80, 0xcc, 0x00, 0x04,
  ...u32(ssrc), 0x4d, 0x43, 0x50, 0x54, 0x00, 0x02, p, 0x00,
  0x0d, 0x02, 0x80, 0x00]);
const floorRelease = (ssrc) => Buffer.from([0x84, 0xcc, 0x00, 0x03,
  ...u32(ssrc), 0x4d, 0x43, 0x50, 0x54, 0x0d, 0x02, 0x80, 0x00]);
function u32(v) { return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]; }

test('join a group with sipp, then the floor server grants, tells the ' +
  'talker and idles', async () => {
  const fc = dgram.createSocket('udp4');
  const rtp = dgram.createSocket('udp4');
  await new Promise((r) => fc.bind(0, '127.0.0.1', r));
  await new Promise((r) => rtp.bind(0, '127.0.0.1', r));
  const got = []; let rtpCount = 0;
  fc.on('message', (m) => got.push(parseFloor(m)));
  rtp.on('message', () => { rtpCount++; });
  const call = sipp('esn-join.xml', { user: 'disp1', domain: DOMAIN,
    group: GROUP, rtp_port: rtp.address().port,
    floor_port: fc.address().port, key: KEY, prio: 5, hold: 12000,
    expect: 200, bye_expect: 200 }, tunPort);
  try {
    const part = await waitFor(async () => {
      const g = (await state()).groups.find((x) => x.uri === GROUP);
      return g.participants.find((p) => p.mcptt_id ===
        `sip:disp1@${DOMAIN}`);
    }, 10000, 'disp1 in the group');
    const send = (b) => fc.send(b, part.floor_port, '127.0.0.1');

    send(floorRequest(0x11223344, 5));
    const granted = await waitFor(() => got.find((m) => m.type === 1),
      3000, 'Floor Granted');
    assert.equal(granted.f[1].readUInt16BE(0), 30);      // Duration
    assert.equal(granted.f[0][0], 5);                    // priority
    let g = (await state()).groups.find((x) => x.uri === GROUP);
    assert.equal(g.floor_holder, `sip:disp1@${DOMAIN}`);

    // the radio (same priority, no queueing) cannot take it
    const busy = await api('POST', '/v1/radios/r1/talk',
      { group: GROUP, seconds: 1 });
    assert.equal(busy.status, 409);

    send(floorRelease(0x11223344));
    await waitFor(() => got.find((m) => m.type === 5), 3000, 'Floor Idle');

    // the radio talks: Floor Taken names it, its speech arrives
    const talk = await api('POST', '/v1/radios/r1/talk',
      { group: GROUP, seconds: 2 });
    assert.equal(talk.status, 200);
    const taken = await waitFor(() => got.find((m) => m.type === 2),
      3000, 'Floor Taken');
    assert.equal(taken.f[4].toString().replace(/\0+$/, ''),
      `sip:r1@${DOMAIN}`);
    await waitFor(() => rtpCount >= 40, 5000, 'radio speech over SRTP');
    const idles = () => got.filter((m) => m.type === 5).length;
    await waitFor(() => idles() >= 2, 6000, 'Floor Idle after the talk');
  } finally {
    const r = await call;
    fc.close(); rtp.close();
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
});
