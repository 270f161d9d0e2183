// Private calls over the ESN (TS 24.379 private call, docs/ESN-PROFILE.md):
// a dispatcher calls a radio that answers at once (automatic commencement),
// one that rings until answered (manual), one that declines; a radio calls
// the control room and a dispatcher answers; the voice goes both ways
// under floor control; a call taker may not take radio calls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, loginOk, openConsole, PASSWORD } from '../lib/harness.mjs';
import { tone, rms, dominant, FRAME } from '../lib/rtp.mjs';
import { startEsn, radioUri, ME } from '../lib/esn.mjs';

let esn, con, audio;

const RADIOS = [
  { id: 'r1', alias: 'Lima Two One', priority: 5, speech: 'TONE' },
  { id: 'r2', alias: 'Tone', priority: 4, speech: 'TONE' },
  { id: 'r3', alias: 'Manual', priority: 4, speech: 'TONE',
    answer: 'manual', answerMs: 60000 },
  { id: 'r4', alias: 'Busy', priority: 4, speech: 'TONE', answer: 'reject' },
];

before(async () => {
  esn = await startEsn({ radios: RADIOS });
  ({ con, audio } = esn);
  await esn.registered();
});

after(async () => { if (esn) await esn.stop(); });

// The sim's private call group of a radio
const simCall = async (radio) => (await esn.state()).groups
  .find((g) => g.private_radio === radio);

const callEvent = (pred, what, ms = 8000, c = con) =>
  c.nextEvent('radio.call', pred, ms).catch((err) => {
    throw new Error(`${what}: ${err.message}${esn.logs()}`);
  });

const headsetSince = (n0) => {
  const fr = audio.frames.slice(n0);
  const hs = new Int16Array(fr.length * FRAME);
  fr.forEach((f, i) => hs.set(f.headset, i * FRAME));
  return hs;
};

// The radio speaks (440 Hz) into the call; the dispatcher's headset has it
async function radioHeard(radio) {
  const g = await simCall(radio);
  assert.ok(g, `no call of ${radio} at the network${esn.logs()}`);
  const n0 = audio.frames.length;
  assert.equal((await esn.api('POST', `/v1/radios/${radio}/talk`,
    { group: g.uri, seconds: 2 })).status, 200);
  await waitFor(() => {
    const hs = headsetSince(n0);
    return hs.length > 16000 && rms(hs.subarray(-8000)) > 500 &&
      dominant(hs.subarray(-8000)) === 450;
  }, 8000, `${radio} heard in the headset (440 Hz reads 450)`);
  await callEvent((d) => d.peer === radioUri(radio) &&
    d.floor.state === 'idle', 'floor idle after the radio');
}

// The dispatcher talks (700 Hz) under floor control; the network hears it
async function dispatcherHeard(call, radio) {
  const p = await con.call('radio.call_ptt', { call, on: true });
  assert.equal(p.ok, true, JSON.stringify(p));
  const g = await callEvent((d) => d.call === call &&
    d.floor.state === 'granted', 'floor granted in the private call');
  assert.equal(g.floor.tx, true);
  const uri = (await simCall(radio)).uri;
  for (let i = 0; i < 60; i++) {
    audio.sendMic(tone(700, -12, FRAME, i * FRAME));
    await new Promise((res) => setTimeout(res, 20));
  }
  await waitFor(async () => {
    const s = (await esn.api('GET', `/v1/groups/${encodeURIComponent(uri)}` +
      `/audio?dispatcher=${encodeURIComponent(ME)}`)).json;
    return s && s.packets > 25 && Math.abs(s.freq_hz - 700) <= 25;
  }, 4000, 'the radio hears 700 Hz from the dispatcher');
  await con.call('radio.call_ptt', { call, on: false });
}

test('a dispatcher calls a radio by its call sign: automatic commencement,' +
  ' voice both ways, hang up', async () => {
  const r = await con.call('radio.call', { to: 'Tango Two' });
  assert.equal(r.ok, true, JSON.stringify(r));
  const call = r.result.call;
  assert.equal(r.result.peer, radioUri('r2'), 'the directory alias resolved');
  const up = await callEvent((d) => d.call === call &&
    d.state === 'connected', 'connected');
  assert.equal(up.position, 'P1');
  assert.equal(up.alias, 'Tango Two');

  await radioHeard('r2');
  await dispatcherHeard(call, 'r2');

  const h = await con.call('radio.call_hangup', { call });
  assert.equal(h.ok, true, JSON.stringify(h));
  assert.equal(h.result.state, 'ended');
  await waitFor(async () => !(await simCall('r2')), 5000,
    'the network ended the call');
});

test('manual commencement: the call rings until the radio answers',
  async () => {
    const r = await con.call('radio.call', { to: radioUri('r3') });
    assert.equal(r.ok, true, JSON.stringify(r));
    const call = r.result.call;
    await waitFor(async () => (await simCall('r3'))?.ringing === true, 5000,
      'the radio rings');
    assert.notEqual((await con.call('radio.calls', {})).result.calls
      .find((c) => c.call === call).state, 'connected');
    assert.equal((await esn.api('POST', '/v1/radios/r3/answer')).status, 200);
    await callEvent((d) => d.call === call && d.state === 'connected',
      'connected once the radio answered');
    await con.call('radio.call_hangup', { call });
  });

test('a radio that declines: the console is told why', async () => {
  const r = await con.call('radio.call', { to: radioUri('r4') });
  assert.equal(r.ok, true, JSON.stringify(r));
  const end = await callEvent((d) => d.call === r.result.call &&
    d.state === 'ended', 'ended');
  assert.match(end.reason ?? '', /^480 declined/, JSON.stringify(end));
});

test('dialling a radio no network reaches is refused with a reason',
  async () => {
    const r = await con.call('radio.call', { to: 'Nobody Known' });
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 404, JSON.stringify(r));
  });

test('a radio calls the control room: offered to consoles, answered, ' +
  'heard, ended by the radio', async () => {
  assert.equal((await esn.api('POST', '/v1/radios/r1/call', {})).status, 200);
  const ring = await callEvent((d) => d.peer === radioUri('r1') &&
    d.state === 'ringing' && d.incoming, 'incoming call offered');
  assert.equal(ring.alias, 'Lima Two One');
  assert.equal(ring.position, null, 'nobody has it yet');

  const a = await con.call('radio.call_answer', { call: ring.call });
  assert.equal(a.ok, true, JSON.stringify(a));
  await callEvent((d) => d.call === ring.call && d.state === 'connected',
    'connected');
  await radioHeard('r1');
  await dispatcherHeard(ring.call, 'r1');

  assert.equal((await esn.api('POST', '/v1/radios/r1/hangup')).status, 200);
  await callEvent((d) => d.call === ring.call && d.state === 'ended',
    'the radio hung up');
});

test('a call taker can neither take nor make radio calls', async () => {
  await esn.h.addOperator('cara', ['calltaker']);
  const ct = await loginOk(esn.h, 'cara', PASSWORD, 'P2');
  const c2 = await openConsole(esn.h, ct.token);
  try {
    assert.equal((await esn.api('POST', '/v1/radios/r1/call', {})).status,
      200);
    const ring = await callEvent((d) => d.state === 'ringing' && d.incoming,
      'offer');
    const a = await c2.call('radio.call_answer', { call: ring.call });
    assert.equal(a.error?.code, 403, JSON.stringify(a));
    const d = await c2.call('radio.call', { to: 'Tango Two' });
    assert.equal(d.error?.code, 403, JSON.stringify(d));
    await con.call('radio.call_answer', { call: ring.call, accept: false });
    await callEvent((e) => e.call === ring.call && e.state === 'ended',
      'declined');
  } finally {
    await c2.close();
  }
});
