// Telephony end to end: sipp callers on a UDP trunk, the ACD queues
// (999 ahead of 101), the call taker's console answers, hears the caller
// (tone detection on the console's audio channel), talks back (tone
// detection at the caller's RTP peer), hangs up; and every call's end is
// in the audit trail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startIccs, loginOk, openConsole, waitFor, freePort, PASSWORD,
} from '../lib/harness.mjs';
import { AudioClient, tone, goertzel, rms, dominant, FRAME }
  from '../lib/rtp.mjs';
import { trunkPatch, placeCall, sendTone, heard } from '../sipp/sipp.mjs';

let h, trunkPort, ct1, con1, audio1, ct2, con2;

before(async () => {
  trunkPort = await freePort();
  h = await startIccs({ configPatch: trunkPatch({ port: trunkPort }) });
  await h.addOperator('cara', ['calltaker']);
  await h.addOperator('cole', ['calltaker']);
  ct1 = await loginOk(h, 'cara', PASSWORD, 'P1');
  con1 = await openConsole(h, ct1.token);
  audio1 = await AudioClient.connect(h, ct1.token);
  ct2 = await loginOk(h, 'cole', PASSWORD, 'P2');
  con2 = await openConsole(h, ct2.token);
});

after(async () => {
  if (process.env.PHONE_DEBUG) console.error(h?.logs());
  if (audio1) await audio1.close();
  if (con1) await con1.close();
  if (con2) await con2.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

const offered = (con, pos) => con.nextEvent('call.update',
  (d) => d.state === 'ringing' && d.position === pos, 10000);

async function ready(con, on) {
  const r = await con.call('call.ready', { on });
  assert.equal(r.ok, true, JSON.stringify(r));
  return r.result;
}

async function ended(id) {
  const a = await waitFor(async () => (await h.auditExport()).find(
    (e) => e.action === 'call.end' && e.object === String(id)), 5000,
  `call ${id} in the audit trail`);
  return a.result;
}

// The console's headset since frame n0
function headset(n0) {
  const fr = audio1.frames.slice(n0);
  const out = new Int16Array(fr.length * FRAME);
  fr.forEach((f, i) => out.set(f.headset, i * FRAME));
  return out;
}

test('a 999 call is offered to the ready call taker, answered with ' +
  'audio both ways, and hung up from the console', async () => {
  const st = await ready(con1, true);
  assert.equal(st.agent, 'available');
  const call = await placeCall({ trunkPort, number: '999' });
  try {
    const off = await offered(con1, 'P1');
    assert.equal(off.queue, 'q999');
    assert.equal(off.number, '999');
    assert.equal(off.caller, '07700900123');
    assert.equal(off.trunk, 'bt-1');
    const r = await con1.call('call.answer', { call: off.id });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.result.state, 'connected');

    // caller -> call taker's headset
    const port = await call.iccsRtpPort();
    const n0 = audio1.frames.length;
    await sendTone(call, port, { hz: 1000, ms: 1500 });
    await waitFor(() => audio1.frames.length >= n0 + 75, 5000, 'frames');
    const hs = headset(n0);
    assert.equal(dominant(hs), 1000, 'the caller heard in the headset');
    assert.ok(rms(hs) > 1000, `headset level ${rms(hs)}`);

    // call taker's microphone -> caller
    const p0 = call.peer.packets.length;
    for (let i = 0; i < 75; i++) {
      audio1.sendMic(tone(600, -12, FRAME, i * FRAME));
      await new Promise((res) => setTimeout(res, 20));
    }
    await waitFor(() => call.peer.packets.length >= p0 + 40, 5000,
      'RTP to the caller');
    const got = heard(call, p0 + 10);
    assert.ok(goertzel(got, 600, 8000) > 10 * goertzel(got, 1000, 8000),
      'the call taker heard by the caller');
    assert.ok(rms(got) > 1000, `caller level ${rms(got)}`);

    const hu = await con1.call('call.hangup', { call: off.id });
    assert.equal(hu.ok, true, JSON.stringify(hu));
    const res = await call.done;
    assert.equal(res.code, 0, `sipp: ${res.stdout}\n${res.stderr}`);
    assert.equal(await ended(off.id), 'completed');
  } finally {
    await call.close();
  }
});

test('999 is offered before 101, whatever the order of arrival',
  async () => {
  await ready(con1, false);
  con1.consumeAll();
  con2.consumeAll();
  const c101 = await placeCall({ trunkPort, number: '101',
    caller: '01632960001' });
  const e101 = await con2.nextEvent('call.update',
    (d) => d.number === '101' && d.state === 'queued', 10000);
  const c999 = await placeCall({ trunkPort, number: '999',
    caller: '01632960002' });
  const e999 = await con2.nextEvent('call.update',
    (d) => d.number === '999' && d.state === 'queued', 10000);
  try {
    await ready(con1, true);
    const first = await offered(con1, 'P1');
    assert.equal(first.id, e999.id, '999 first');
    let r = await con1.call('call.answer', { call: first.id });
    assert.equal(r.ok, true);
    r = await con1.call('call.hangup', { call: first.id });
    assert.equal(r.ok, true);
    const second = await offered(con1, 'P1');
    assert.equal(second.id, e101.id, 'then 101');
    r = await con1.call('call.answer', { call: second.id });
    r = await con1.call('call.hangup', { call: second.id });
    assert.equal(r.ok, true);
    assert.equal((await c999.done).code, 0);
    assert.equal((await c101.done).code, 0);
  } finally {
    await c101.close();
    await c999.close();
  }
});

test('with no call taker ready a caller waits with announcements, and ' +
  'hanging up is recorded as abandoned', async () => {
  await ready(con1, false);
  con2.consumeAll();
  const call = await placeCall({ trunkPort, number: '999',
    scenario: 'uac-hangup', holdMs: 2500 });
  try {
    const q = await con2.nextEvent('call.update',
      (d) => d.state === 'queued', 10000);
    await waitFor(() => call.peer.packets.length >= 20, 5000,
      'announcement packets at the caller');
    const got = heard(call);
    assert.ok(goertzel(got, 425, 8000) > 10 * goertzel(got, 1000, 8000),
      'the announcement tone');
    const res = await call.done;
    assert.equal(res.code, 0, `sipp: ${res.stdout}\n${res.stderr}`);
    assert.equal(await ended(q.id), 'abandoned');
  } finally {
    await call.close();
  }
});

test('hold and resume: the caller leaves and comes back to the headset',
  async () => {
  await ready(con1, true);
  const call = await placeCall({ trunkPort, number: '999' });
  try {
    const off = await offered(con1, 'P1');
    assert.equal((await con1.call('call.answer', { call: off.id })).ok,
      true);
    const port = await call.iccsRtpPort();
    let r = await con1.call('call.hold', { call: off.id, on: true });
    assert.equal(r.result.state, 'held');
    let n0 = audio1.frames.length;
    await sendTone(call, port, { hz: 1000, ms: 1000 });
    await waitFor(() => audio1.frames.length >= n0 + 50, 5000, 'frames');
    assert.ok(rms(headset(n0)) < 100, 'nothing in the headset on hold');
    r = await con1.call('call.hold', { call: off.id, on: false });
    assert.equal(r.result.state, 'connected');
    n0 = audio1.frames.length;
    await sendTone(call, port, { hz: 1000, ms: 1000 });
    await waitFor(() => audio1.frames.length >= n0 + 50, 5000, 'frames');
    assert.equal(dominant(headset(n0)), 1000, 'back in the headset');
    r = await con1.call('call.hangup', { call: off.id });
    assert.equal(r.ok, true);
    assert.equal((await call.done).code, 0);
  } finally {
    await call.close();
  }
});

test('not ready pressed during a call holds for after it: the next ' +
  'caller waits instead of ringing here, until ready again', async () => {
  await ready(con1, true);
  const first = await placeCall({ trunkPort, number: '999' });
  let second;
  try {
    const off = await offered(con1, 'P1');
    assert.equal((await con1.call('call.answer', { call: off.id })).ok,
      true);
    const st = await ready(con1, false);
    assert.equal(st.ready, false, 'the button shows not ready at once');
    assert.equal(st.agent, 'on-call', 'the call goes on');
    second = await placeCall({ trunkPort, number: '101' });
    const waiting = async () => (await con1.call('call.state', {}))
      .result.queues.reduce((n, q) => n + q.waiting, 0);
    await waitFor(async () => (await waiting()) === 1, 5000,
      'the 101 caller waiting (P1 is on a call)');
    assert.equal((await con1.call('call.hangup', { call: off.id })).ok,
      true);
    const after = await waitFor(async () => {
      const r = (await con1.call('call.state', {})).result;
      return r.agent === 'not-ready' ? r : null;
    }, 5000, 'P1 not ready after the call');
    assert.equal(after.ready, false);
    assert.equal(await waiting(), 1, 'still waiting, not ringing at P1');
    await ready(con1, true);
    const off2 = await offered(con1, 'P1');
    assert.equal(off2.number, '101');
    assert.equal((await con1.call('call.answer', { call: off2.id })).ok,
      true);
    assert.equal((await con1.call('call.hangup', { call: off2.id })).ok,
      true);
  } finally {
    await first.close();
    if (second) await second.close();
  }
});

test('blind transfer to a queue offers the call to another call taker',
  async () => {
  await ready(con1, true);
  const call = await placeCall({ trunkPort, number: '101' });
  try {
    const off = await offered(con1, 'P1');
    assert.equal((await con1.call('call.answer', { call: off.id })).ok,
      true);
    await ready(con1, false);
    await ready(con2, true);
    const r = await con1.call('call.transfer', { call: off.id,
      to: 'q999' });
    assert.equal(r.ok, true, JSON.stringify(r));
    const off2 = await offered(con2, 'P2');
    assert.equal(off2.queue, 'q999');
    assert.equal(off2.caller, '07700900123');
    assert.equal((await con2.call('call.answer', { call: off2.id })).ok,
      true);
    // P1 may no longer touch it
    const bad = await con1.call('call.hangup', { call: off2.id });
    assert.equal(bad.ok, false);
    assert.equal(bad.error.code, 403);
    assert.equal((await con2.call('call.hangup', { call: off2.id })).ok,
      true);
    assert.equal((await call.done).code, 0);
    await ready(con2, false);
  } finally {
    await call.close();
  }
});

test('blind transfer to a position: it rings there, and that position ' +
  'hears the caller', async () => {
  await ready(con1, true);
  await ready(con2, false);
  con1.consumeAll();
  con2.consumeAll();
  const audio2 = await AudioClient.connect(h, ct2.token);
  const call = await placeCall({ trunkPort, number: '999' });
  try {
    const off = await offered(con1, 'P1');
    const [mine, other, otherPos] = [con1, con2, 'P2'];
    assert.equal((await mine.call('call.answer', { call: off.id })).ok,
      true);
    let r = await mine.call('call.transfer', { call: off.id,
      to: otherPos });
    assert.equal(r.ok, false, 'a not-ready position cannot take it');
    assert.equal(r.error.code, 409);
    await ready(other, true);
    r = await mine.call('call.transfer', { call: off.id, to: otherPos });
    assert.equal(r.ok, true, JSON.stringify(r));
    const off2 = await offered(other, otherPos);
    assert.equal(off2.caller, '07700900123');
    assert.equal((await other.call('call.answer', { call: off2.id })).ok,
      true);
    const port = await call.iccsRtpPort();
    const listen = audio2;
    const n0 = listen.frames.length;
    await sendTone(call, port, { hz: 800, ms: 1500 });
    await waitFor(() => listen.frames.length >= n0 + 75, 5000, 'frames');
    const fr = listen.frames.slice(n0);
    const hs = new Int16Array(fr.length * FRAME);
    fr.forEach((f, i) => hs.set(f.headset, i * FRAME));
    assert.equal(dominant(hs), 800, `${otherPos} hears the caller`);
    assert.equal((await other.call('call.hangup', { call: off2.id })).ok,
      true);
    assert.equal((await call.done).code, 0);
    assert.equal(await ended(off2.id), 'completed');
  } finally {
    await audio2.close();
    await ready(con2, false);
    await call.close();
  }
});

test('a call whose position logs out goes back to the queue, and to the ' +
  'same position when it is back within the grace period', async () => {
  await ready(con1, true);
  const call = await placeCall({ trunkPort, number: '999' });
  try {
    const off = await offered(con1, 'P1');
    assert.equal((await con1.call('call.answer', { call: off.id })).ok,
      true);
    con2.consumeAll();
    await audio1.close();
    audio1 = null;
    await con1.call('logout');
    await con1.close();
    const back = await con2.nextEvent('call.update',
      (d) => d.id === off.id && d.state === 'queued', 5000);
    assert.equal(back.position, null);
    ct1 = await loginOk(h, 'cara', PASSWORD, 'P1');
    con1 = await openConsole(h, ct1.token);
    audio1 = await AudioClient.connect(h, ct1.token);
    await ready(con1, true);
    const again = await offered(con1, 'P1');
    assert.equal(again.id, off.id, 'the same call, back at P1');
    assert.equal((await con1.call('call.answer', { call: off.id })).ok,
      true);
    assert.equal((await con1.call('call.hangup', { call: off.id })).ok,
      true);
    assert.equal((await call.done).code, 0);
  } finally {
    await call.close();
  }
});

test('a restart of iccsd ends waiting calls with BYE, each recorded as ' +
  'ended by the restart', async () => {
  await ready(con1, false);
  con2.consumeAll();
  const call = await placeCall({ trunkPort, number: '101' });
  try {
    const q = await con2.nextEvent('call.update',
      (d) => d.state === 'queued', 10000);
    await h.restart();
    const res = await call.done;
    assert.equal(res.code, 0, `the caller got BYE: ${res.stdout}`);
    assert.equal(await ended(q.id), 'restart');
  } finally {
    await call.close();
    await con1.close();
    await con2.close();
    await audio1.close();
    con1 = con2 = audio1 = null;
  }
});
