// No call lost: a console whose WSS drops without a logout returns its
// call to the queue and gets it back when it reconnects; a reconnect
// that overlaps the old channel keeps the call as it is; a caller who
// vanishes (no RTP) is ended with the reason audited; a caller whose
// audio carries no speech is flagged silent to the call taker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startIccs, loginOk, openConsole, waitFor, freePort, PASSWORD,
} from '../lib/harness.mjs';
import { AudioClient, goertzel, rms, FRAME, RATE } from '../lib/rtp.mjs';
import { trunkPatch, placeCall, sendTone } from '../sipp/sipp.mjs';

let h, trunkPort, ct, con, sup;

before(async () => {
  trunkPort = await freePort();
  // short watch timers so the tests need not wait long
  const patch = trunkPatch({ port: trunkPort });
  h = await startIccs({ configPatch: (t) => `${patch(t)}telephony:\n` +
    '  rtp_timeout_s: 4\n  silent_s: 2\n' });
  await h.addOperator('cara', ['calltaker']);
  await h.addOperator('sven', ['supervisor']);
  ct = await loginOk(h, 'cara', PASSWORD, 'P1');
  con = await openConsole(h, ct.token);
  sup = await openConsole(h, (await loginOk(h, 'sven', PASSWORD, 'P3'))
    .token);
});

after(async () => {
  if (process.env.PHONE_DEBUG) console.error(h?.logs());
  if (con) await con.close();
  if (sup) await sup.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

// A caller keeps RTP flowing (quiet, or a tone) until stop()
function keepTalking(call, port) {
  let hz = 1000, dbfs = -100, on = true;
  const done = (async () => {
    while (on) await sendTone(call, port, { hz, ms: 200, dbfs });
  })();
  return {
    say(f) { hz = f; dbfs = -12; },
    async stop() { on = false; await done; },
  };
}

async function answeredAtP1() {
  assert.equal((await con.call('call.ready', { on: true })).ok, true);
  const caller = await placeCall({ trunkPort, number: '999' });
  const off = await con.nextEvent('call.update',
    (d) => d.state === 'ringing' && d.position === 'P1', 10000);
  assert.equal((await con.call('call.answer', { call: off.id })).ok, true);
  caller.port = await caller.iccsRtpPort();
  caller.talk = keepTalking(caller, caller.port);
  return { caller, id: off.id };
}

// The call taker hangs up; the caller gets BYE
async function hangUp(caller, id) {
  await caller.talk.stop();
  assert.equal((await con.call('call.hangup', { call: id })).ok, true);
  assert.equal((await caller.done).code, 0);
}

async function headsetHears(audio, hz) {
  const n0 = audio.frames.length;
  await waitFor(() => audio.frames.length >= n0 + 50, 5000, 'frames');
  const fr = audio.frames.slice(n0);
  const hs = new Int16Array(fr.length * FRAME);
  fr.forEach((f, i) => hs.set(f.headset, i * FRAME));
  return rms(hs) > 300 && goertzel(hs, hz, RATE) > 0.05 * rms(hs) ** 2;
}

const consolesAtP1 = async () => (await sup.call('session.list', {}))
  .result.sessions.find((s) => s.position === 'P1').consoles;

test('a console whose WSS drops returns its call to the queue, and the ' +
  'call comes back to it when it reconnects', async () => {
  const { caller, id } = await answeredAtP1();
  try {
    sup.consumeAll();
    await con.close();       // no logout: the network went
    con = null;
    const back = await sup.nextEvent('call.update',
      (d) => d.id === id && d.state === 'queued', 5000);
    assert.equal(back.position, null);
    await waitFor(async () => (await h.auditExport()).some(
      (e) => e.action === 'call.returned' && e.object === String(id)),
    5000, 'call.returned audited');

    con = await openConsole(h, ct.token);
    const again = await con.nextEvent('call.update', (d) => d.id === id &&
      d.state === 'ringing' && d.position === 'P1', 5000);
    assert.equal(again.caller, '07700900123');
    assert.equal((await con.call('call.answer', { call: id })).ok, true);
    const audio = await AudioClient.connect(h, ct.token);
    caller.talk.say(1000);
    assert.ok(await headsetHears(audio, 1000), 'the caller is back');
    await audio.close();
    await hangUp(caller, id);
  } finally {
    await caller.talk.stop();
    await caller.close();
  }
});

test('a reconnect that overlaps the old channel keeps the call',
  async () => {
  const { caller, id } = await answeredAtP1();
  try {
    const con2 = await openConsole(h, ct.token);
    const n = await consolesAtP1();
    await con.close();
    con = con2;
    await waitFor(async () => (await consolesAtP1()) === n - 1, 5000,
      'the old channel gone at the server');
    const st = await con.call('call.state', {});
    const c = st.result.calls.find((x) => x.id === id);
    assert.equal(c.state, 'connected');
    assert.equal(c.position, 'P1');
    const audio = await AudioClient.connect(h, ct.token);
    caller.talk.say(1000);
    assert.ok(await headsetHears(audio, 1000), 'still in the headset');
    await audio.close();
    await hangUp(caller, id);
  } finally {
    await caller.talk.stop();
    await caller.close();
  }
});

test('a caller with no speech energy is flagged silent to the call ' +
  'taker, and the flag clears when they speak', async () => {
  const { caller, id } = await answeredAtP1();
  try {
    const flag = await con.nextEvent('call.silent',
      (d) => d.id === id && d.silent, 8000);
    assert.equal(flag.position, 'P1');
    const st = await con.call('call.state', {});
    assert.equal(st.result.calls.find((x) => x.id === id).silent, true);
    caller.talk.say(1000);
    await con.nextEvent('call.silent', (d) => d.id === id && !d.silent,
      5000);
    await hangUp(caller, id);
  } finally {
    await caller.talk.stop();
    await caller.close();
  }
});

test('a caller who vanishes (no RTP) is ended, audited with the reason',
  async () => {
  const { caller, id } = await answeredAtP1();
  try {
    await caller.talk.stop();   // the caller's network goes quiet
    const end = await con.nextEvent('call.update',
      (d) => d.id === id && d.state === 'ended', 10000);
    assert.equal(end.id, id);
    assert.equal((await caller.done).code, 0, 'BYE to the caller');
    const e = await waitFor(async () => (await h.auditExport()).find(
      (x) => x.action === 'call.end' && x.object === String(id)), 5000,
    'call.end audited');
    assert.equal(e.result, 'rtp_timeout');
  } finally {
    await caller.close();
  }
});
