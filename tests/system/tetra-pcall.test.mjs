// TETRA individual (private) calls over the PEI, both ways, through the
// console's radio-call ops: a dispatcher calls a radio by its call sign
// (AT+CTSDC individual-call parameters, ATD<ISSI>), voice both ways under
// transmission grants, a second call refused while the terminal carries
// one, a radio that declines (cause in words), a radio calling the control
// room (+CTICN, ATA), released by the radio; emergencies raised from the
// console reach the network, and a radio's cancel clears the console's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../lib/harness.mjs';
import { tone, rms, dominant, FRAME } from '../lib/rtp.mjs';
import { startTetra, TG, GSSI, ISSI, tetraId } from '../lib/tetra.mjs';

let t, con, audio;

before(async () => {
  t = await startTetra({
    radios: [
      { issi: '2345', alias: 'Bravo One', speech: 'TONE' },
      { issi: '2346', alias: 'Bravo Two', speech: 'TONE' },
      { issi: '2347', alias: 'Bravo Three', speech: 'TONE',
        answer: 'reject' },
      { issi: '2348', alias: 'Bravo Four', speech: 'TONE',
        answer: 'manual' },
    ],
    directory: [{ id: tetraId('2345'), alias: 'Bravo One' },
      { id: tetraId('2346'), alias: 'Bravo Two' }],
  });
  ({ con, audio } = t);
  await t.ready();
});

after(async () => { if (t) await t.stop(); });

const callEvent = (pred, what, ms = 8000) =>
  con.nextEvent('radio.call', pred, ms).catch((err) => {
    throw new Error(`${what}: ${err.message}${t.logs()}`);
  });

const headsetSince = (n0) => t.speakerSince(n0, 'headset');

// The radio talks (440 Hz) in its call; the dispatcher's headset has it
async function radioHeard(issi, call) {
  const n0 = audio.frames.length;
  const r = await t.api('POST', `/v1/radios/${issi}/talk`, { seconds: 2 });
  assert.equal(r.status, 200, 'the radio talks in its call');
  const tk = await callEvent((d) => d.call === call &&
    d.floor.state === 'taken', 'the radio shown talking');
  assert.equal(tk.floor.talker, tetraId(issi));
  con.consumeAll();     // an earlier event's floor was idle too
  await waitFor(() => {
    const hs = headsetSince(n0);
    return hs.length > 16000 && rms(hs.subarray(-8000)) > 500 &&
      dominant(hs.subarray(-8000)) === 450;
  }, 8000, `${issi} heard in the headset (440 Hz reads 450)`);
  await callEvent((d) => d.call === call && d.floor.state === 'idle',
    'floor idle after the radio');
}

// The dispatcher talks (700 Hz) once granted; the radio hears it
async function dispatcherHeard(call, issi) {
  const p = await con.call('radio.call_ptt', { call, on: true });
  assert.equal(p.ok, true, JSON.stringify(p));
  const g = await callEvent((d) => d.call === call &&
    d.floor.state === 'granted', 'transmission granted in the call');
  assert.equal(g.floor.tx, true);
  assert.equal((await t.state()).call.talker, 'disp');
  for (let i = 0; i < 60; i++) {
    audio.sendMic(tone(700, -12, FRAME, i * FRAME));
    await new Promise((res) => setTimeout(res, 20));
  }
  await waitFor(async () => {
    const s = (await t.api('GET', `/v1/radios/${issi}/audio`)).json;
    return s && s.packets > 25 && Math.abs(s.freq_hz - 700) <= 25;
  }, 4000, 'the radio hears 700 Hz from the dispatcher');
  await con.call('radio.call_ptt', { call, on: false });
  await callEvent((d) => d.call === call && d.floor.state === 'idle',
    'transmission ceased');
  await waitFor(async () => (await t.state()).call.talker === null, 3000,
    'the network saw the dispatcher stop');
}

test('a dispatcher calls a radio by call sign: individual-call set-up, ' +
  'voice both ways, a second call refused, hang up', async () => {
  const r = await con.call('radio.call', { to: 'Bravo One' });
  assert.equal(r.ok, true, JSON.stringify(r));
  const call = r.result.call;
  assert.equal(r.result.peer, tetraId('2345'), 'the directory resolved');
  const up = await callEvent((d) => d.call === call &&
    d.state === 'connected', 'connected');
  assert.equal(up.position, 'P1');
  assert.equal(up.alias, 'Bravo One');
  const s = await t.state();
  assert.equal(s.call.issi, '2345', 'the terminal called the radio');
  assert.equal(s.ctsdc.comms_type, 0, 'point-to-point set-up');
  assert.equal(s.ctsdc.simplex, 1, 'half duplex');

  await radioHeard('2345', call);
  await dispatcherHeard(call, '2345');

  const busy = await con.call('radio.call', { to: 'Bravo Two' });
  assert.equal(busy.ok, false);
  assert.equal(busy.error.code, 409, JSON.stringify(busy));
  assert.match(busy.error.reason, /^terminal busy/);
  assert.equal((await t.api('POST', '/v1/radios/2346/call', {})).status,
    409, 'a radio cannot call in either');

  const h = await con.call('radio.call_hangup', { call });
  assert.equal(h.ok, true, JSON.stringify(h));
  assert.equal(h.result.state, 'ended');
  await waitFor(async () => (await t.state()).call.cci === 0, 5000,
    'the network released the call');
});

test('a radio that declines: the cause in words', async () => {
  const r = await con.call('radio.call', { to: tetraId('2347') });
  assert.equal(r.ok, true, JSON.stringify(r));
  const end = await callEvent((d) => d.call === r.result.call &&
    d.state === 'ended', 'ended');
  assert.equal(end.reason, 'called party rejection (cause 11)');
});

test('a radio that rings until its user answers', async () => {
  const r = await con.call('radio.call', { to: tetraId('2348') });
  assert.equal(r.ok, true, JSON.stringify(r));
  const call = r.result.call;
  await waitFor(async () => (await t.state()).call.ringing === true, 5000,
    'the radio rings');
  assert.equal((await t.api('POST', '/v1/radios/2348/answer')).status, 200);
  await callEvent((d) => d.call === call && d.state === 'connected',
    'connected once answered');
  assert.equal((await t.api('POST', '/v1/radios/2348/hangup')).status, 200);
  const end = await callEvent((d) => d.call === call && d.state === 'ended',
    'released by the radio');
  assert.equal(end.reason, 'user request (cause 1)');
});

test('a radio calls the control room: offered, answered, voice both ways, ' +
  'released by the radio', async () => {
  assert.equal((await t.api('POST', '/v1/radios/2346/call', {})).status,
    200);
  const ring = await callEvent((d) => d.peer === tetraId('2346') &&
    d.state === 'ringing' && d.incoming, 'incoming call offered');
  assert.equal(ring.alias, 'Bravo Two');
  assert.equal(ring.emergency, false);
  assert.equal(ring.position, null, 'offered to every dispatcher');

  const a = await con.call('radio.call_answer', { call: ring.call });
  assert.equal(a.ok, true, JSON.stringify(a));
  await callEvent((d) => d.call === ring.call && d.state === 'connected',
    'connected');
  assert.equal((await t.state()).call.ringing, false, 'ATA reached it');
  await radioHeard('2346', ring.call);
  await dispatcherHeard(ring.call, '2346');

  assert.equal((await t.api('POST', '/v1/radios/2346/hangup')).status, 200);
  const end = await callEvent((d) => d.call === ring.call &&
    d.state === 'ended', 'the radio released');
  assert.equal(end.reason, 'user request (cause 1)');
});

test('an emergency individual call is flagged; declining releases it at ' +
  'the network', async () => {
  assert.equal((await t.api('POST', '/v1/radios/2345/call',
    { emergency: true })).status, 200);
  const ring = await callEvent((d) => d.peer === tetraId('2345') &&
    d.state === 'ringing', 'emergency call offered');
  assert.equal(ring.emergency, true);
  const a = await con.call('radio.call_answer', { call: ring.call,
    accept: false });
  assert.equal(a.ok, true, JSON.stringify(a));
  await waitFor(async () => (await t.state()).call.cci === 0, 5000,
    'the network released the declined call');
});

const emergencyEvent = (on, what) => con.nextEvent('radio.emergency',
  (d) => d.talkgroup === TG && d.emergency.on === on, 8000).catch((err) => {
  throw new Error(`${what}: ${err.message}${t.logs()}`);
});

test('a console raises a TETRA emergency: the network sees it; the ' +
  "radio's cancel clears it at the console", async () => {
  const notJoined = await con.call('radio.emergency_raise',
    { talkgroup: TG });
  assert.equal(notJoined.error?.code, 409, JSON.stringify(notJoined));

  await con.call('radio.monitor', { talkgroup: TG, on: true });
  await t.floorEvent((d) => d.group === 'joined', 'group joined');
  const on = emergencyEvent(true, 'emergency shown');
  const r = await con.call('radio.emergency_raise', { talkgroup: TG });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal((await on).emergency.by, tetraId(ISSI));
  await waitFor(async () => (await t.group()).emergency === true, 5000,
    'the network has the emergency');
  assert.equal((await t.group()).emergency_by, ISSI);

  const off = emergencyEvent(false, 'cancelled by the radio');
  assert.equal((await t.api('POST', '/v1/radios/2345/emergency',
    { group: GSSI, cancel: true })).status, 200);
  await off;
  assert.equal((await t.group()).emergency, false);

  // and the other way round: a radio raises, the console cancels
  const on2 = emergencyEvent(true, 'raised by the radio');
  await t.api('POST', '/v1/radios/2345/emergency', { group: GSSI });
  assert.equal((await on2).emergency.by, tetraId('2345'));
  const off2 = emergencyEvent(false, 'cancelled from the console');
  const c = await con.call('radio.emergency_raise',
    { talkgroup: TG, on: false });
  assert.equal(c.ok, true, JSON.stringify(c));
  await off2;
  await waitFor(async () => (await t.group()).emergency === false, 5000,
    'the network saw the cancel');

  await waitFor(async () => {
    const audit = await t.h.auditExport();
    return audit.some((e) => e.action === 'radio.emergency' &&
      e.object === TG && e.result === 'ok' && e.actor === 'dora') &&
      audit.some((e) => e.action === 'radio.emergency_cancel' &&
        e.object === TG && e.result === 'ok');
  }, 5000, 'raising and cancelling audited');
});

test('PTT on a group during an individual call is denied: terminal busy',
  async () => {
    const r = await con.call('radio.call', { to: 'Bravo One' });
    assert.equal(r.ok, true, JSON.stringify(r));
    await callEvent((d) => d.call === r.result.call &&
      d.state === 'connected', 'connected');
    await con.call('radio.select', { talkgroup: TG, on: true });
    assert.equal((await con.call('radio.ptt', { on: true })).ok, true);
    const d = await t.floorEvent((x) => x.floor.state === 'denied',
      'the group floor denied');
    assert.match(d.floor.reason, /^terminal busy/);
    assert.equal((await t.state()).call.issi, '2345', 'the call stays');
    await con.call('radio.ptt', { on: false });
    await con.call('radio.select', { talkgroup: TG, on: false });
    await con.call('radio.call_hangup', { call: r.result.call });
    await waitFor(async () => (await t.state()).call.cci === 0, 5000,
      'released');
  });

test('PTT on a group right after hanging up an individual call sets up ' +
  'the group call (the late release does not end it)', async () => {
  const r = await con.call('radio.call', { to: 'Bravo One' });
  assert.equal(r.ok, true, JSON.stringify(r));
  await callEvent((d) => d.call === r.result.call &&
    d.state === 'connected', 'connected');
  await con.call('radio.select', { talkgroup: TG, on: true });
  // both at once: ATH, then AT+CTSDC/ATD<GSSI> while +CTCR is on its way
  const [h, p] = await Promise.all([
    con.call('radio.call_hangup', { call: r.result.call }),
    con.call('radio.ptt', { on: true })]);
  assert.equal(h.ok, true, JSON.stringify(h));
  assert.equal(p.ok, true, JSON.stringify(p));
  await t.floorEvent((d) => d.floor.state === 'granted',
    'the group call granted');
  const s = await t.state();
  assert.equal(s.call.gssi, GSSI);
  assert.equal(s.call.talker, 'disp');
  await con.call('radio.ptt', { on: false });
  await t.floorEvent((d) => d.floor.state === 'idle', 'released');
  await con.call('radio.select', { talkgroup: TG, on: false });
});
