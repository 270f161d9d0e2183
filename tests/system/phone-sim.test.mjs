// iccs-sim callers against a real iccsd: an SRTP call whose decrypted
// audio reaches the call taker's headset (and the call taker's reaches
// the caller), digest over TCP with the right and a wrong password, and
// a small flood with abandoning and silent callers, none lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startIccs, loginOk, openConsole, waitFor, freePort, makeTempDir, PASSWORD,
} from '../lib/harness.mjs';
import { AudioClient, tone, dominant, rms, FRAME } from '../lib/rtp.mjs';
import { trunkPatch } from '../sipp/sipp.mjs';
import { startCallers, runCallers } from '../lib/callers.mjs';

let h, udpPort, srtpPort, tcpPort, tlsPort, credFile, pwGood, pwBad, ct, con, audio;
const sims = [];

function patch(text) {
  return trunkPatch({ port: udpPort })(text)
    .replace(/(    listen: "127\.0\.0\.1:\d+"\n)/,
      `$1  - id: bt-s\n    listen: "127.0.0.1:${srtpPort}"\n` +
      `    srtp: true\n  - id: bt-t\n    transport: tcp\n` +
      `    listen: "127.0.0.1:${tcpPort}"\n    credentials: ${credFile}\n` +
      `  - id: bt-l\n    transport: tls\n    listen: "127.0.0.1:${tlsPort}"\n` +
      '    cert: server.pem\n');
}

before(async () => {
  [udpPort, srtpPort, tcpPort, tlsPort] = [await freePort(),
    await freePort(), await freePort(), await freePort()];
  const d = await makeTempDir('iccs-cred-');
  credFile = path.join(d, 'trunk.cred');
  pwGood = path.join(d, 'good.pw');
  pwBad = path.join(d, 'bad.pw');
  fs.writeFileSync(credFile, 'carrier:s3cret-Pa55\n', { mode: 0o600 });
  fs.writeFileSync(pwGood, 's3cret-Pa55\n', { mode: 0o600 });
  fs.writeFileSync(pwBad, 'guessed\n', { mode: 0o600 });
  h = await startIccs({ configPatch: patch });
  await h.addOperator('cara', ['calltaker']);
  ct = await loginOk(h, 'cara', PASSWORD, 'P1');
  con = await openConsole(h, ct.token);
  audio = await AudioClient.connect(h, ct.token);
});

after(async () => {
  if (process.env.PHONE_DEBUG) console.error(h?.logs());
  for (const s of sims) await s.stop();
  if (audio) await audio.close();
  if (con) await con.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

const headset = (n0) => {
  const fr = audio.frames.slice(n0);
  const out = new Int16Array(fr.length * FRAME);
  fr.forEach((f, i) => out.set(f.headset, i * FRAME));
  return out;
};

test('SRTP trunk: the simulated caller encrypts, the call taker hears the ' +
  'decrypted tone, and the caller hears the call taker', async () => {
  const sim = await startCallers(['--trunk', `127.0.0.1:${srtpPort}`,
    '--srtp']);
  sims.push(sim);
  assert.equal((await con.call('call.ready', { on: true })).ok, true);
  await sim.place({ number: '999', caller: '07700900401', tone: 1000 });
  const off = await con.nextEvent('call.update', (d) =>
    d.state === 'ringing' && d.caller === '07700900401', 10000);
  assert.equal(off.trunk, 'bt-s');
  const r = await con.call('call.answer', { call: off.id });
  assert.equal(r.ok, true, JSON.stringify(r));

  const n0 = audio.frames.length;
  await waitFor(() => audio.frames.length >= n0 + 60, 5000, 'frames');
  const hs = headset(n0 + 10);
  assert.equal(dominant(hs), 1000, 'the caller\'s tone, decrypted');
  assert.ok(rms(hs) > 1000, `headset level ${rms(hs)}`);

  const before = (await sim.list()).calls[0];
  assert.equal(before.srtp, true);
  for (let i = 0; i < 50; i++) {
    audio.sendMic(tone(600, -12, FRAME, i * FRAME));
    await new Promise((res) => setTimeout(res, 20));
  }
  const c = await sim.call((x) => x.rx_packets > before.rx_packets + 30 &&
    x.rx_level_db > -30, 'the call taker heard by the caller (SRTP)');
  assert.equal(c.state, 'connected');

  assert.equal((await con.call('call.hangup', { call: off.id })).ok, true);
  await sim.call((x) => x.id === c.id && x.state === 'ended',
    'the BYE reached the caller');
  assert.equal((await con.call('call.ready', { on: false })).ok, true);
});

test('digest over TCP: the simulator answers the challenge; a wrong ' +
  'password is refused with 403', async () => {
  const base = ['--trunk', `127.0.0.1:${tcpPort}`, '--transport', 'tcp',
    '--user', 'carrier', '--hold', '1', '--tone', '700'];
  const ok = await runCallers([...base, '--password-file', pwGood,
    '--caller', '07700900402'], 20000);
  assert.equal(ok.code, 0, ok.out);
  assert.equal(ok.summary.answered, 1);
  assert.ok(ok.summary.calls[0].tx_packets >= 40, ok.out);
  await waitFor(async () => (await h.auditExport()).find((e) =>
    e.action === 'call.end' && e.detail?.caller === '07700900402' &&
    e.detail?.trunk === 'bt-t'), 5000, 'the TCP call ended');

  const bad = await runCallers([...base, '--password-file', pwBad,
    '--caller', '07700900403'], 20000);
  assert.equal(bad.code, 1, bad.out);
  assert.equal(bad.summary.failed, 1);
  assert.equal(bad.summary.calls[0].sip_status, 403);
  await waitFor(async () => (await h.auditExport()).find((e) =>
    e.action === 'trunk.auth' && e.object === 'trunk:bt-t' &&
    e.detail?.user === 'carrier'), 5000, 'the refusal audited');
});

test('TLS trunk: a simulated caller over TLS, hanging up after 1 s',
  async () => {
  const r = await runCallers(['--trunk', `127.0.0.1:${tlsPort}`,
    '--transport', 'tls', '--hold', '1', '--caller', '07700900404',
    '--number', '101'], 20000);
  assert.equal(r.code, 0, r.out);
  assert.equal(r.summary.answered, 1);
  const a = await waitFor(async () => (await h.auditExport()).find((e) =>
    e.action === 'call.end' && e.detail?.caller === '07700900404'), 5000,
  'the TLS call ended');
  assert.equal(a.detail.trunk, 'bt-l');
});

test('a flood of 40 calls at 20/s, some abandoning, some silent: every ' +
  'call queued and its end recorded', async () => {
  const N = 40;
  const sim = await startCallers(['--trunk', `127.0.0.1:${udpPort}`]);
  sims.push(sim);
  await sim.place({ number: '101', caller: '01632960999', count: N / 2,
    rate: 20, hold: 2, abandon: 0.5, abandon_after: 1, silent: true });
  await sim.place({ number: '999', caller: '01632960998', count: N / 2,
    rate: 20, hold: 2 });
  const l = await waitFor(async () => {
    const x = await sim.list();
    return x.ended + x.failed >= N ? x : null;
  }, 20000, 'every simulated call over');
  assert.equal(l.placed, N);
  assert.equal(l.failed, 0, JSON.stringify(l.calls.filter((c) =>
    c.sip_status !== 200)));
  const silent = l.calls.filter((c) => c.silent);
  assert.equal(silent.length, N / 2);
  const audit = await waitFor(async () => {
    const a = await h.auditExport();
    const ends = a.filter((e) => e.action === 'call.end' &&
      /^0163296099[89]$/.test(e.detail?.caller ?? ''));
    return ends.length >= N ? a : null;
  }, 10000, `${N} call ends in the audit trail`);
  const arrived = audit.filter((e) => e.action === 'call.arrive' &&
    /^0163296099[89]$/.test(e.detail?.caller ?? ''));
  assert.equal(arrived.length, N, 'every call arrived once');
});
