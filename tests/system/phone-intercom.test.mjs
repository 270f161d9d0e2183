// Position-to-position intercom (no SIP: two positions' headsets and
// microphones), recorded like a call leg and found by search; and
// supervisor listen-in, whisper and barge on a sipp 999 call, with tone
// detection of who hears whom.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startIccs, loginOk, openConsole, waitFor, freePort, run, PASSWORD,
} from '../lib/harness.mjs';
import { AudioClient, tone, goertzel, rms, toneSnr, FRAME, RATE }
  from '../lib/rtp.mjs';
import { trunkPatch, placeCall, sendTone, heard } from '../sipp/sipp.mjs';

let h, trunkPort;
const P = {};   // P1 call taker, P2 dispatcher, P3 supervisor

before(async () => {
  trunkPort = await freePort();
  h = await startIccs({ configPatch: trunkPatch({ port: trunkPort }) });
  const who = [['cara', 'calltaker', 'P1'], ['dave', 'dispatcher', 'P2'],
    ['sven', 'supervisor', 'P3']];
  for (const [user, role, pos] of who) {
    await h.addOperator(user, [role]);
    const s = await loginOk(h, user, PASSWORD, pos);
    P[pos] = { con: await openConsole(h, s.token),
      audio: await AudioClient.connect(h, s.token) };
  }
});

after(async () => {
  if (process.env.PHONE_DEBUG) console.error(h?.logs());
  for (const p of Object.values(P)) {
    await p.audio.close();
    await p.con.close();
  }
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

async function ok(pos, op, args) {
  const r = await P[pos].con.call(op, args);
  assert.equal(r.ok, true, `${pos} ${op}: ${JSON.stringify(r)}`);
  return r.result;
}

// 1.5 s of hz into pos's microphone
async function mic(pos, hz) {
  for (let i = 0; i < 75; i++) {
    P[pos].audio.sendMic(tone(hz, -12, FRAME, i * FRAME));
    await new Promise((res) => setTimeout(res, 20));
  }
}

// What pos's headset carries while send() plays: {hz: level ratio}
async function headset(pos, send) {
  const a = P[pos].audio;
  const n0 = a.frames.length;
  await send();
  await waitFor(() => a.frames.length >= n0 + 60, 5000, 'frames');
  const fr = a.frames.slice(n0);
  const hs = new Int16Array(fr.length * FRAME);
  fr.forEach((f, i) => hs.set(f.headset, i * FRAME));
  return hs;
}

const hears = (pcm, hz, rate = RATE) => rms(pcm) > 300 &&
  goertzel(pcm, hz, rate) > 10 * goertzel(pcm, 1400, rate);

async function audited(action, object, actor) {
  return waitFor(async () => (await h.auditExport()).find(
    (e) => e.action === action && e.object === String(object) &&
      (!actor || e.actor === actor)), 5000, `${action} in the audit`);
}

test('intercom: P1 calls P2, it rings, P2 answers, both hear each ' +
  'other, hang up; recorded and found by search', async () => {
  const ring = P.P2.con.nextEvent('intercom.update',
    (d) => d.state === 'ringing' && d.to === 'P2', 5000);
  const r = await ok('P1', 'intercom.call', { to: 'P2' });
  const ev = await ring;
  assert.equal(ev.id, r.id);
  assert.equal(ev.from, 'P1');
  const busy = await P.P3.con.call('intercom.call', { to: 'P2' });
  assert.equal(busy.error.code, 409, 'P2 is in an intercom');
  const wrong = await P.P3.con.call('intercom.answer', { id: r.id });
  assert.equal(wrong.error.code, 403, 'only the called position answers');
  await ok('P2', 'intercom.answer', { id: r.id });

  assert.ok(hears(await headset('P2', () => mic('P1', 600)), 600),
    'P2 hears P1');
  assert.ok(hears(await headset('P1', () => mic('P2', 900)), 900),
    'P1 hears P2');
  assert.equal(hears(await headset('P3', () => mic('P1', 600)), 600),
    false, 'P3 is not in it');

  const end = P.P1.con.nextEvent('intercom.update',
    (d) => d.id === r.id && d.state === 'ended', 5000);
  await ok('P2', 'intercom.hangup', { id: r.id });
  assert.equal((await end).reason, 'hungup');
  await audited('intercom.call', r.id, 'cara');
  await audited('intercom.answer', r.id, 'dave');
  await audited('intercom.end', r.id);
  assert.equal(hears(await headset('P2', () => mic('P1', 600)), 600),
    false, 'nothing after the hang-up');

  // P1's side, found by the supervisor's search, decodes to P1's tone
  let rec;
  await waitFor(async () => {
    const s = await P.P3.con.call('recording.search', { kind: 'intercom',
      position: 'P1' });
    rec = s.result?.recordings.find((x) => x.direction === 'tx');
    return !!rec;
  }, 8000, 'the intercom recorded');
  assert.equal(rec.operator, 'cara');
  const out = path.join(os.tmpdir(), `iccs-icom-${process.pid}.raw`);
  const d = await run('ffmpeg', ['-v', 'error', '-i',
    path.join(h.dir, 'state', 'recordings', rec.file), '-f', 's16le',
    '-ac', '1', '-ar', String(RATE), '-y', out]);
  assert.equal(d.code, 0, d.stderr);
  const b = fs.readFileSync(out);
  fs.unlinkSync(out);
  const pcm = new Int16Array(b.buffer, b.byteOffset, b.length / 2);
  let best = -99;
  for (let t = 0; t + 8000 <= pcm.length; t += 4000) {
    best = Math.max(best, toneSnr(pcm.subarray(t, t + 8000), 600));
  }
  assert.ok(best > 12, `P1 recorded saying 600 Hz: SNR ${best}`);
});

test('supervisor listen-in, whisper and barge: who hears whom', async () => {
  assert.equal((await P.P1.con.call('call.ready', { on: true })).ok, true);
  const caller = await placeCall({ trunkPort, number: '999' });
  try {
    const off = await P.P1.con.nextEvent('call.update',
      (d) => d.state === 'ringing' && d.position === 'P1', 10000);
    const id = off.id;
    await ok('P1', 'call.answer', { call: id });
    const port = await caller.iccsRtpPort();
    const deny = await P.P1.con.call('call.supervise', { call: id,
      mode: 'listen' });
    assert.equal(deny.error.code, 403, 'a call taker may not listen in');

    // listen: the supervisor hears both, nobody hears the supervisor
    await ok('P3', 'call.supervise', { call: id, mode: 'listen' });
    assert.ok(hears(await headset('P3', () => sendTone(caller, port,
      { hz: 1000, ms: 1500 })), 1000), 'supervisor hears the caller');
    assert.ok(hears(await headset('P3', () => mic('P1', 600)), 600),
      'supervisor hears the call taker');
    let p0 = caller.peer.packets.length;
    assert.equal(hears(await headset('P1', () => mic('P3', 800)), 800),
      false, 'listen: the call taker does not hear the supervisor');
    assert.equal(hears(heard(caller, p0 + 10), 800, 8000), false,
      'listen: the caller does not hear the supervisor');

    // whisper: the call taker hears the supervisor, the caller not
    await ok('P3', 'call.supervise', { call: id, mode: 'whisper' });
    p0 = caller.peer.packets.length;
    assert.ok(hears(await headset('P1', () => mic('P3', 800)), 800),
      'whisper: the call taker hears the supervisor');
    assert.equal(hears(heard(caller, p0 + 10), 800, 8000), false,
      'whisper: the caller does not hear the supervisor');

    // barge: all three
    await ok('P3', 'call.supervise', { call: id, mode: 'barge' });
    p0 = caller.peer.packets.length;
    assert.ok(hears(await headset('P1', () => mic('P3', 800)), 800),
      'barge: the call taker hears the supervisor');
    assert.ok(hears(heard(caller, p0 + 10), 800, 8000),
      'barge: the caller hears the supervisor');
    assert.ok(hears(await headset('P3', () => sendTone(caller, port,
      { hz: 1000, ms: 1500 })), 1000), 'barge: supervisor hears caller');

    for (const m of ['listen', 'whisper', 'barge']) {
      await audited(`call.${m}`, id, 'sven');
    }
    // the call ends: so does the supervision
    await ok('P1', 'call.hangup', { call: id });
    assert.equal((await caller.done).code, 0);
    assert.equal(hears(await headset('P3', () => mic('P1', 600)), 600),
      false, 'the supervisor hears nothing after the call');
  } finally {
    await caller.close();
  }
});

test('attended transfer to a position: consult it over the intercom ' +
  'with the caller on hold, then complete: it has the caller', async () => {
  const caller = await placeCall({ trunkPort, number: '999' });
  try {
    const off = await P.P1.con.nextEvent('call.update',
      (d) => d.state === 'ringing' && d.position === 'P1', 10000);
    await ok('P1', 'call.answer', { call: off.id });
    const port = await caller.iccsRtpPort();
    await ok('P3', 'call.ready', { on: true });
    const ring = P.P3.con.nextEvent('intercom.update',
      (d) => d.state === 'ringing' && d.call === off.id, 5000);
    const a = await ok('P1', 'call.consult', { call: off.id, to: 'P3' });
    assert.equal(a.state, 'held');
    assert.equal(a.link_kind, 'consult');
    await ok('P3', 'intercom.answer', { id: (await ring).id });
    assert.ok(hears(await headset('P3', () => mic('P1', 600)), 600),
      'the consulted position hears the call taker');
    assert.equal(hears(await headset('P1', () => sendTone(caller, port,
      { hz: 1000, ms: 1200 })), 1000), false, 'the caller is held');

    const moved = P.P3.con.nextEvent('call.update', (d) =>
      d.state === 'connected' && d.position === 'P3', 5000);
    await ok('P1', 'call.consult_complete', { call: off.id });
    const c = await moved;
    assert.equal(c.caller, '07700900123');
    assert.ok(hears(await headset('P3', () => sendTone(caller, port,
      { hz: 1000, ms: 1500 })), 1000), 'P3 hears the caller');
    await ok('P3', 'call.hangup', { call: c.id });
    assert.equal((await caller.done).code, 0);
    await audited('call.consult', off.id);
  } finally {
    await caller.close();
  }
});
