// The simulated ESN network (iccs-sim esn) as a real peer: sipp plays the
// dispatcher over mutual TLS (this sipp has no TLS, so a node TLS tunnel
// carrying the dispatcher's client certificate stands between them), and
// a small UDP client speaks TS 24.380 floor control with hand-built
// packets (bytes as in shared/reference/radio-protocols.md §1.5).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
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
function startTunnel(certFile, tap) {
  const pem = fs.readFileSync(certFile);
  const ca = fs.readFileSync(path.join(dir, 'ca.crt'));
  const srv = net.createServer((c) => {
    const t = tls.connect({ host: '127.0.0.1', port: sipPort, cert: pem,
      key: pem, ca, servername: 'localhost' });
    c.pipe(t).pipe(c);
    if (tap) t.on('data', tap);
    const end = () => { c.destroy(); t.destroy(); };
    c.on('error', end); t.on('error', end); c.on('close', end);
    t.on('close', end);
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1',
    () => resolve(srv)));
}

// sipp takes -key values in message text only, not in XML attributes
// (response="[expect]", milliseconds="[hold]", ereg patterns), so every
// [key] is filled in here, into a copy of the scenario in the temp dir
function sipp(scenario, keys, port, timeoutMs = 30000) {
  let xml = fs.readFileSync(path.join(SCEN, scenario), 'utf8');
  for (const [k, v] of Object.entries(keys))
    xml = xml.replaceAll(`[${k}]`, `${v}`);
  const sf = path.join(dir, `${keys.expect}-${scenario}`);
  fs.writeFileSync(sf, xml);
  const args = [`127.0.0.1:${port}`, '-sf', sf, '-trace_logs',
    '-log_file', path.join(dir, `${keys.expect}-sipp.log`),
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
  // a recorded "speech" with one frequency, so what the network hears
  // can be told apart: 440 Hz at -12 dBFS, 8 kHz (the radio resamples)
  const sox = await run('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16',
    path.join(dir, 'tone.wav'), 'synth', '3', 'sine', '440', 'vol', '0.25']);
  assert.equal(sox.code, 0, sox.stderr);
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
    `  - {id: r2, alias: Tone, groups: ["${GROUP}"], priority: 4,` +
      ` speech: "${dir}/tone.wav"}`,
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
    await waitFor(() => sim.exitCode !== null, 5000, 'the sim to exit')
      .catch(() => process.kill(sim.pid, 'SIGKILL'));
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
// Floor Ack: Source 0 (participant), Message Type acknowledged
const floorAck = (ssrc, type) => Buffer.from([0x8a, 0xcc, 0x00, 0x04,
  ...u32(ssrc), 0x4d, 0x43, 0x50, 0x54, 0x0a, 0x02, 0x00, 0x00,
  0x0c, 0x02, type, 0x00]);
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
    // ack required: re-sent (T20) until the Floor Ack comes
    assert.equal(granted.ack, true);
    await waitFor(() => got.filter((m) => m.type === 1).length >= 2, 3000,
      'Floor Granted re-sent without an Ack');
    send(floorAck(0x11223344, 1));
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

test('a radio emergency re-INVITEs the dispatcher over its own TLS ' +
  'connection with emergency-ind and the radio identity', async () => {
  const call = sipp('esn-emergency.xml', { user: 'disp1', domain: DOMAIN,
    group: GROUP, rtp_port: 40010, floor_port: 40012, key: KEY, prio: 5,
    radio: `sip:r1@${DOMAIN}`, expect: 'emergency' }, tunPort);
  try {
    await waitFor(async () => {
      const g = (await state()).groups.find((x) => x.uri === GROUP);
      return g.participants.length === 1 && g.participants[0].established;
    }, 10000, 'disp1 in the group, ACK seen');
    const r = await api('POST', '/v1/radios/r1/emergency',
      { group: GROUP, on: true });
    assert.equal(r.status, 200);
    const s = await state();
    assert.equal(s.groups.find((x) => x.uri === GROUP).emergency, true);
  } finally {
    const r = await call;
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
  await api('POST', '/v1/radios/r1/emergency', { group: GROUP, on: false });
});

// SRTP AES_CM_128_HMAC_SHA1_80 (RFC 3711), ROC 0: enough for a short call
function srtpKeys(b64) {
  const m = Buffer.from(b64, 'base64');
  const mk = m.subarray(0, 16); const ms = m.subarray(16, 30);
  const kdf = (label, n) => {
    const iv = Buffer.alloc(16);
    ms.copy(iv);
    iv[7] ^= label;
    const c = crypto.createCipheriv('aes-128-ctr', mk, iv);
    return c.update(Buffer.alloc(n));
  };
  return { ek: kdf(0, 16), ak: kdf(1, 20), salt: kdf(2, 14) };
}

function srtpCrypt(k, pkt, hl) {
  const iv = Buffer.alloc(16);
  k.salt.copy(iv);
  for (let i = 0; i < 4; i++) iv[4 + i] ^= pkt[8 + i];    // SSRC
  iv[12] ^= pkt[2]; iv[13] ^= pkt[3];                     // index = seq
  const c = crypto.createCipheriv('aes-128-ctr', k.ek, iv);
  return Buffer.concat([pkt.subarray(0, hl), c.update(pkt.subarray(hl))]);
}

const srtpTag = (k, p) => crypto.createHmac('sha1', k.ak)
  .update(Buffer.concat([p, Buffer.alloc(4)])).digest().subarray(0, 10);
const srtpProtect = (k, rtp) => {
  const p = srtpCrypt(k, rtp, 12);
  return Buffer.concat([p, srtpTag(k, p)]);
};
const srtpUnprotect = (k, srtp) => {
  const p = srtp.subarray(0, srtp.length - 10);
  assert.deepEqual(srtp.subarray(srtp.length - 10), srtpTag(k, p),
    'SRTP authentication tag');
  return srtpCrypt(k, p, 12);
};

test('the network hears a dispatcher: its SRTP AMR-WB is decoded and ' +
  'measured (packets, level, 440 Hz)', async () => {
  const rtp = dgram.createSocket('udp4');
  const fc = dgram.createSocket('udp4');
  await new Promise((r) => rtp.bind(0, '127.0.0.1', r));
  await new Promise((r) => fc.bind(0, '127.0.0.1', r));
  const radioPkts = [];
  rtp.on('message', (m) => radioPkts.push(m));
  const call = sipp('esn-join.xml', { user: 'disp1', domain: DOMAIN,
    group: GROUP, rtp_port: rtp.address().port,
    floor_port: fc.address().port, key: KEY, prio: 5, hold: 12000,
    expect: 200, bye_expect: 200 }, tunPort);
  try {
    const part = await waitFor(async () => {
      const g = (await state()).groups.find((x) => x.uri === GROUP);
      return g.participants.find((p) => p.established);
    }, 10000, 'disp1 in the group');
    const log = path.join(dir, '200-sipp.log');   // sipp -log_file
    const netkey = await waitFor(() => fs.existsSync(log) && fs
      .readFileSync(log, 'utf8').match(/netkey=([A-Za-z0-9+/=]+)\s*$/)?.[1],
    3000, 'the network key in the sipp log');

    // the tone radio talks (once the emergency talk of the test before
    // has ended); its packets are real AMR-WB under the network's key
    await waitFor(async () => (await state()).groups.find((x) =>
      x.uri === GROUP).floor_holder === null, 6000, 'the floor idle');
    radioPkts.length = 0;     // the emergency talker's tail, if any
    assert.equal((await api('POST', '/v1/radios/r2/talk',
      { group: GROUP, seconds: 2 })).status, 200);
    await waitFor(() => radioPkts.length >= 60, 5000, 'radio audio');
    const nk = srtpKeys(netkey); const dk = srtpKeys(KEY);
    const frames = radioPkts.map((p) => srtpUnprotect(nk, p));
    assert.equal(frames[0][1] & 0x7f, 96);

    // the dispatcher sends that audio back as its own transmission
    frames.forEach((f, i) => {
      const h = Buffer.from(f.subarray(0, 12));
      h.writeUInt16BE(i, 2); h.writeUInt32BE(i * 320, 4);
      h.writeUInt32BE(0xd15a7c01, 8);
      const p = srtpProtect(dk, Buffer.concat([h, f.subarray(12)]));
      rtp.send(p, part.rtp_port, '127.0.0.1');
    });
    const q = `/v1/groups/${encodeURIComponent(GROUP)}/audio?dispatcher=` +
      encodeURIComponent(`sip:disp1@${DOMAIN}`);
    let lastAudio;
    const a = await waitFor(async () => {
      const r = (await api('GET', q)).json;
      lastAudio = r;
      return r && r.packets >= frames.length ? r : null;
    }, 3000, `audio stats (${frames.length} sent)`).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(lastAudio)}`);
    });
    assert.ok(a.level_db > -30, `level ${a.level_db} dBFS`);
    assert.ok(Math.abs(a.freq_hz - 440) <= 20, `frequency ${a.freq_hz}`);
  } finally {
    const r = await call;
    rtp.close(); fc.close();
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
});

test('a radio text reaches the dispatcher as a SIP MESSAGE over its ' +
  'registration connection', async () => {
  let wire = '';
  const t = await startTunnel(path.join(dir, 'client-d1.pem'),
    (d) => { wire += d; });
  const call = sipp('esn-message.xml', { user: 'disp1', domain: DOMAIN,
    hold: 3000, expect: 'message' }, t.address().port);
  try {
    await waitFor(() => /CSeq: 1 REGISTER/.test(wire), 5000,
      'the registration over the new connection');
    const r = await api('POST', '/v1/radios/r1/text',
      { text: 'all quiet', to: `sip:disp1@${DOMAIN}` });
    assert.equal(r.status, 200);
    assert.equal(r.json.sent, 1);
    const m = await waitFor(() => wire.match(
      /MESSAGE sip:disp1@[^\r]*\r\n[\s\S]*?\r\n\r\n(\{.*\})/), 5000,
    'the MESSAGE on the wire');
    assert.match(m[0], /Content-Type: application\/vnd\.openiccs\.radio\+json/);
    const body = JSON.parse(m[1]);
    assert.equal(body.type, 'text');
    assert.equal(body.from, `sip:r1@${DOMAIN}`);
    assert.equal(body.text, 'all quiet');
  } finally {
    const r = await call;
    t.close();
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
});

test('POST /v1/stop ends the network cleanly (no leak, exit 0)',
  async () => {
    const r = await api('POST', '/v1/stop');
    assert.equal(r.status, 200);
    await waitFor(() => sim.exitCode !== null, 10000, 'the sim to exit');
    assert.equal(sim.exitCode, 0, simOut.slice(-3000));
    assert.doesNotMatch(simOut, /Sanitizer/);
  });
