// Calls iccsd places through a trunk: dial out, attended transfer
// (consult with the caller on hold, then complete or cancel), three-way
// conference and blind transfer to an outside number.  sipp is the
// caller (UAC) and the outside party (UAS on the trunk's peer address);
// who hears whom is checked by tone detection at each end: the call
// taker's headset, the caller's RTP peer and the outside party's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startIccs, loginOk, openConsole, waitFor, freePort, PASSWORD,
} from '../lib/harness.mjs';
import { AudioClient, tone, goertzel, rms, FRAME, RATE }
  from '../lib/rtp.mjs';
import { trunkPatch, placeCall, farEnd, sendTone, heard }
  from '../sipp/sipp.mjs';

const OUTSIDE = '01632960999';
let h, trunkPort, farPort, con, audio, disp;

before(async () => {
  trunkPort = await freePort();
  farPort = await freePort();
  h = await startIccs({ configPatch: trunkPatch({ port: trunkPort,
    peer: farPort }) });
  await h.addOperator('cara', ['calltaker']);
  await h.addOperator('dave', ['dispatcher']);
  const ct = await loginOk(h, 'cara', PASSWORD, 'P1');
  con = await openConsole(h, ct.token);
  audio = await AudioClient.connect(h, ct.token);
  disp = await openConsole(h, (await loginOk(h, 'dave', PASSWORD, 'P4'))
    .token);
});

after(async () => {
  if (process.env.PHONE_DEBUG) console.error(h?.logs());
  if (audio) await audio.close();
  if (con) await con.close();
  if (disp) await disp.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

const callState = (id, state, ms = 10000) => con.nextEvent('call.update',
  (d) => d.id === id && d.state === state, ms);

async function ok(op, args) {
  const r = await con.call(op, args);
  assert.equal(r.ok, true, `${op}: ${JSON.stringify(r)}`);
  return r.result;
}

async function audited(action, object, result) {
  return waitFor(async () => (await h.auditExport()).find(
    (e) => e.action === action && e.object === String(object) &&
      (!result || e.result === result)), 5000,
  `${action} ${object} ${result ?? ''} in the audit trail`);
}

// The call taker's headset while `send` plays; true if hz is in it
async function headsetHears(send, hz) {
  const n0 = audio.frames.length;
  await send();
  await waitFor(() => audio.frames.length >= n0 + 60, 5000, 'frames');
  const fr = audio.frames.slice(n0);
  const hs = new Int16Array(fr.length * FRAME);
  fr.forEach((f, i) => hs.set(f.headset, i * FRAME));
  return rms(hs) > 300 && goertzel(hs, hz, RATE) > 0.05 * rms(hs) ** 2;
}

// Does the party at `peer` (a placeCall or farEnd) hear hz while `send`
// plays?  Compares against a tone that is nowhere (1400 Hz).
async function partyHears(party, send, hz) {
  const p0 = party.peer.packets.length;
  await send();
  await new Promise((r) => setTimeout(r, 200));
  const got = heard(party, p0 + 10);
  return got.length > 8000 && rms(got) > 300 &&
    goertzel(got, hz, 8000) > 10 * goertzel(got, 1400, 8000);
}

const mic = async (hz) => {
  for (let i = 0; i < 75; i++) {
    audio.sendMic(tone(hz, -12, FRAME, i * FRAME));
    await new Promise((res) => setTimeout(res, 20));
  }
};

async function answered(scenario = 'uac-wait-bye', holdMs = 1000) {
  const caller = await placeCall({ trunkPort, number: '999', scenario,
    holdMs });
  const off = await con.nextEvent('call.update',
    (d) => d.state === 'ringing' && d.position === 'P1', 10000);
  await ok('call.answer', { call: off.id });
  caller.port = await caller.iccsRtpPort();
  return { caller, id: off.id };
}

test('dial out: the outside party answers, both hear each other, the ' +
  'call taker hangs up; a dispatcher may not dial', async () => {
  const bad = await disp.call('call.dial', { to: OUTSIDE });
  assert.equal(bad.ok, false);
  assert.equal(bad.error.code, 403);
  const bad2 = await con.call('call.dial', { to: 'sip:x@y' });
  assert.equal(bad2.error.code, 400, 'not a number');

  await ok('call.ready', { on: false });
  const far = await farEnd({ port: farPort });
  try {
    const r = await ok('call.dial', { to: OUTSIDE });
    assert.equal(r.state, 'dialing');
    assert.equal(r.outbound, true);
    assert.equal(r.number, OUTSIDE);
    await callState(r.id, 'connected');
    const port = await far.iccsRtpPort();
    assert.ok(await headsetHears(() => sendTone(far, port, { hz: 700,
      ms: 1500 }), 700), 'the call taker hears the outside party');
    assert.ok(await partyHears(far, () => mic(600), 600),
      'the outside party hears the call taker');
    await ok('call.hangup', { call: r.id });
    assert.equal((await far.done).code, 0, 'BYE at the far end');
    const e = await audited('call.end', r.id, 'completed');
    assert.equal(e.detail.outbound, true);
    const d = await audited('call.dial', r.id, 'ok');
    assert.equal(d.actor, 'cara');
    assert.equal(d.detail.to, OUTSIDE);
  } finally {
    await far.close();
  }
});

test('attended transfer: consult the outside party with the caller on ' +
  'hold, then complete: caller and outside party talk', async () => {
  await ok('call.ready', { on: true });
  const far = await farEnd({ port: farPort });
  const { caller, id } = await answered('uac-hangup', 14000);
  try {
    const b = await ok('call.consult', { call: id, to: OUTSIDE });
    assert.equal(b.second, true);
    assert.equal(b.link, id);
    await callState(id, 'held');
    await callState(b.id, 'connected');
    const fport = await far.iccsRtpPort();
    // the held caller is not heard while consulting; the consulted is
    assert.equal(await headsetHears(() => sendTone(caller, caller.port,
      { hz: 1000, ms: 1200 }), 1000), false, 'held caller not heard');
    assert.ok(await headsetHears(() => sendTone(far, fport, { hz: 700,
      ms: 1200 }), 700), 'consulted party heard');

    con.consumeAll();
    await ok('call.consult_complete', { call: id });
    const up = await con.nextEvent('call.update', (d) => d.id === id &&
      d.link_kind === 'bridge', 5000);
    assert.equal(up.position, null, 'the call taker is free');
    assert.ok(await partyHears(far, () => sendTone(caller, caller.port,
      { hz: 1000, ms: 1200 }), 1000), 'outside party hears the caller');
    assert.ok(await partyHears(caller, () => sendTone(far, fport,
      { hz: 700, ms: 1200 }), 700), 'caller hears the outside party');
    // the caller hangs up: the outside party gets BYE too
    assert.equal((await caller.done).code, 0);
    assert.equal((await far.done).code, 0, 'BYE at the outside party');
    await audited('call.consult', id, 'completed');
    await audited('call.end', b.id, 'bridge_ended');
  } finally {
    await caller.close();
    await far.close();
  }
});

test('attended transfer cancelled: the outside party is hung up and the ' +
  'caller is back in the headset', async () => {
  const far = await farEnd({ port: farPort });
  const { caller, id } = await answered();
  try {
    const b = await ok('call.consult', { call: id, to: OUTSIDE });
    await callState(b.id, 'connected');
    await ok('call.consult_cancel', { call: b.id });
    assert.equal((await far.done).code, 0, 'BYE at the outside party');
    await callState(id, 'connected');
    assert.ok(await headsetHears(() => sendTone(caller, caller.port,
      { hz: 1000, ms: 1200 }), 1000), 'the caller is back');
    await ok('call.hangup', { call: id });
    assert.equal((await caller.done).code, 0);
    await audited('call.consult', id, 'cancelled');
  } finally {
    await caller.close();
    await far.close();
  }
});

test('three-way conference: caller, call taker and outside party each ' +
  'hear the other two', async () => {
  const far = await farEnd({ port: farPort });
  const { caller, id } = await answered();
  try {
    const b = await ok('call.consult', { call: id, to: OUTSIDE });
    await callState(b.id, 'connected');
    const fport = await far.iccsRtpPort();
    await ok('call.conference', { call: id });
    await callState(id, 'connected');

    const fromCaller = () => sendTone(caller, caller.port, { hz: 1000,
      ms: 1500 });
    assert.ok(await headsetHears(fromCaller, 1000), 'taker hears caller');
    assert.ok(await partyHears(far, fromCaller, 1000),
      'outside party hears caller');
    const fromFar = () => sendTone(far, fport, { hz: 700, ms: 1500 });
    assert.ok(await headsetHears(fromFar, 700), 'taker hears outside');
    assert.ok(await partyHears(caller, fromFar, 700),
      'caller hears outside party');
    const p0 = caller.peer.packets.length;
    assert.ok(await partyHears(far, () => mic(600), 600),
      'outside party hears the call taker');
    const got = heard(caller, p0 + 10);
    assert.ok(goertzel(got, 600, 8000) > 10 * goertzel(got, 1400, 8000),
      'caller hears the call taker');
    await audited('call.conference', id, 'ok');

    // the caller's leg ends: the call taker keeps the outside party
    await ok('call.hangup', { call: id });
    assert.equal((await caller.done).code, 0);
    const st = await ok('call.state', {});
    const left = st.calls.find((c) => c.id === b.id);
    assert.equal(left.state, 'connected');
    assert.equal(left.link, undefined);
    await ok('call.hangup', { call: b.id });
    assert.equal((await far.done).code, 0);
  } finally {
    await caller.close();
    await far.close();
  }
});

test('blind transfer to an outside number: bridged when it answers; a ' +
  'busy number sends the call back to the head of the queue', async () => {
  // busy first: the call comes back to the ready call taker
  let far = await farEnd({ port: farPort, scenario: 'uas-busy' });
  const { caller, id } = await answered('uac-hangup', 14000);
  try {
    con.consumeAll();
    await ok('call.transfer', { call: id, to: OUTSIDE });
    const back = await con.nextEvent('call.update', (d) => d.id === id &&
      d.state === 'ringing' && d.position === 'P1', 10000);
    assert.equal(back.caller, '07700900123');
    assert.equal((await far.done).code, 0);
    await ok('call.answer', { call: id });

    await far.close();
    far = await farEnd({ port: farPort });
    await ok('call.transfer', { call: id, to: OUTSIDE });
    await con.nextEvent('call.update', (d) => d.id === id &&
      d.link_kind === 'bridge', 10000);
    const fport = await far.iccsRtpPort();
    assert.ok(await partyHears(far, () => sendTone(caller, caller.port,
      { hz: 1000, ms: 1200 }), 1000), 'outside party hears the caller');
    assert.ok(await partyHears(caller, () => sendTone(far, fport,
      { hz: 700, ms: 1200 }), 700), 'caller hears the outside party');
    assert.equal((await caller.done).code, 0);
    assert.equal((await far.done).code, 0);
    await audited('call.transfer_out', id, 'dialling');
  } finally {
    await caller.close();
    await far.close();
  }
});
