// iccsd as an Airwave dispatcher over PEI against the simulated TETRA
// terminal and network (iccs-sim tetra): start-up, group attach when a
// console monitors the talkgroup, a radio heard with its identity, PTT
// granted and heard on air, a terminal that reboots (re-initialised,
// group attached again) and one that stops answering.  Real peers on
// loopback, ports picked in tests/lib/tetra.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../lib/harness.mjs';
import { tone, dominant, rms, FRAME } from '../lib/rtp.mjs';
import { startTetra, TG, GSSI, tetraId } from '../lib/tetra.mjs';

let t, con, audio;

before(async () => {
  t = await startTetra();
  ({ con, audio } = t);
});

after(async () => {
  if (t) await t.stop();
});

test('start-up over PEI: the terminal is ready and told to consoles',
  async () => {
    await t.ready();
    const s = await t.state();
    assert.equal(s.connected, true);
    assert.ok(s.commands >= 10, `start-up commands seen: ${s.commands}`);
  });

test('monitoring the talkgroup attaches its group; a radio is heard with ' +
  'its identity', async () => {
  const r = await con.call('radio.monitor', { talkgroup: TG, on: true });
  assert.equal(r.ok, true, JSON.stringify(r));
  await waitFor(async () => (await t.group())?.attached, 5000,
    'group attached at the terminal');
  const j = await t.floorEvent((d) => d.group === 'joined', 'group joined');
  assert.equal(j.bearer, 'tetra');

  const n0 = audio.frames.length;
  assert.equal((await t.api('POST', '/v1/radios/2345/talk',
    { group: GSSI, seconds: 2 })).status, 200);
  const taken = await t.floorEvent((d) => d.floor.state === 'taken',
    'transmission granted to the radio shown');
  assert.equal(taken.floor.talker, tetraId('2345'));
  assert.equal(taken.floor.alias, 'Bravo One', 'the directory alias');
  con.consumeAll();
  await waitFor(() => {
    const sp = t.speakerSince(n0);
    return sp.length > 16000 && rms(sp.subarray(-8000)) > 500 &&
      dominant(sp.subarray(-8000)) === 450;
  }, 8000, 'the radio on the speaker (440 Hz: the scan reads 450)');
  await t.floorEvent((d) => d.floor.state === 'idle',
    'transmission ceased shown');
});

test('PTT: the terminal is granted the transmission and the network ' +
  'hears the dispatcher', async () => {
  await con.call('radio.select', { talkgroup: TG, on: true });
  const p = await con.call('radio.ptt', { on: true });
  assert.equal(p.ok, true, JSON.stringify(p));
  const g = await t.floorEvent((d) => d.floor.state === 'granted',
    'transmission granted');
  assert.equal(g.floor.tx, true);
  assert.equal(g.floor.holder, 'P1');
  for (let i = 0; i < 75; i++) {
    audio.sendMic(tone(700, -12, FRAME, i * FRAME));
    await new Promise((res) => setTimeout(res, 20));
  }
  await waitFor(async () => {
    const s = await t.heard();
    return s && s.packets > 25 && Math.abs(s.freq_hz - 700) <= 25;
  }, 4000, 'the network hears 700 Hz from the dispatcher');
  assert.equal((await t.state()).call.talker, 'disp');
  await con.call('radio.ptt', { on: false });
  await t.floorEvent((d) => d.floor.state === 'idle', 'transmission ceased');
  await waitFor(async () => (await t.state()).call.talker === null, 3000,
    'the network saw the dispatcher stop');
});

test('a terminal that reboots is initialised again and its group ' +
  'attached again', async () => {
  const down = con.nextEvent('radio.link',
    (d) => d.bearer === 'tetra' && !d.up, 5000);
  const up = con.nextEvent('radio.link',
    (d) => d.bearer === 'tetra' && d.up, 8000);
  const before = (await t.state()).commands;
  assert.equal((await t.api('POST', '/v1/reboot')).status, 200);
  assert.equal((await down).reason, 'terminal restarted');
  await up;
  assert.ok((await t.state()).commands > before + 8, 're-initialised');
  await waitFor(async () => (await t.group())?.attached, 5000,
    'group attached again after the reboot');
  await t.floorEvent((d) => d.group === 'joined', 'talkgroup joined again');
  assert.equal((await t.api('POST', '/v1/radios/2345/talk',
    { group: GSSI, seconds: 1 })).status, 200);
  await t.floorEvent((d) => d.floor.state === 'taken' &&
    d.floor.talker === tetraId('2345'), 'a radio heard after the reboot');
  con.consumeAll();
  await t.floorEvent((d) => d.floor.state === 'idle', 'and idle after');
});

test('a terminal that stops answering is reported down, and up again ' +
  'when it answers', async () => {
  const down = con.nextEvent('radio.link',
    (d) => d.bearer === 'tetra' && !d.up, 10000);
  await t.api('POST', '/v1/mute', { on: true });
  const d = await down;
  assert.match(d.reason, /does not answer/);
  const up = con.nextEvent('radio.link',
    (e) => e.bearer === 'tetra' && e.up, 10000);
  await t.api('POST', '/v1/mute', { on: false });
  await up;
  await waitFor(async () => (await t.group())?.attached, 5000,
    'group attached again');
});

test('SDS from radios: text, status and a LIP location reach consoles',
  async () => {
    await t.ready();
    const ev = (pred) => con.nextEvent('radio.message',
      (d) => d.bearer === 'tetra' && pred(d), 5000);
    let p = ev((d) => d.type === 'text');
    assert.equal((await t.api('POST', '/v1/radios/2346/text',
      { text: 'Need backup at the bridge' })).status, 200);
    let m = await p;
    assert.equal(m.from, tetraId('2346'));
    assert.equal(m.text, 'Need backup at the bridge');

    p = ev((d) => d.type === 'status');
    await t.api('POST', '/v1/radios/2345/status', { status: 32771 });
    m = await p;
    assert.equal(m.status, 32771);
    assert.equal(m.alias, 'Bravo One');

    p = ev((d) => d.type === 'location');
    await t.api('POST', '/v1/radios/2345/location',
      { lat: 51.50135, lon: -0.11929 });
    m = await p;
    assert.ok(Math.abs(m.lat - 51.50135) < 1e-4, `lat ${m.lat}`);
    assert.ok(Math.abs(m.lon + 0.11929) < 1e-4, `lon ${m.lon}`);
    assert.ok(m.accuracy_m > 0 && m.accuracy_m <= 20, `${m.accuracy_m}`);
  });

test('SDS to radios: a text to a radio and a status to the talkgroup go ' +
  'out through the terminal', async () => {
  let r = await con.call('radio.send', { to: tetraId('2345'),
    text: 'Proceed to Lambeth North' });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.result.bearer, 'tetra');
  r = await con.call('radio.send', { to: TG, status: 32772 });
  assert.equal(r.ok, true, JSON.stringify(r));
  await waitFor(async () => {
    const sent = (await t.state()).sent;
    return sent.some((x) => x.to === '2345' && x.type === 'text' &&
      x.text === 'Proceed to Lambeth North') &&
      sent.some((x) => x.to === GSSI && x.type === 'status' &&
        x.status === 32772);
  }, 5000, 'the network got both');
  const bad = await con.call('radio.send', { to: TG, text: 'x', status: 1 });
  assert.equal(bad.error.code, 400);
});

test('a TETRA emergency alarm is handled like an ESN one', async () => {
  const p = con.nextEvent('radio.emergency',
    (d) => d.talkgroup === TG && d.emergency.on, 5000);
  assert.equal((await t.api('POST', '/v1/radios/2345/emergency',
    { group: GSSI })).status, 200);
  const em = await p;
  assert.equal(em.emergency.by, tetraId('2345'));
  assert.equal(em.emergency.by_alias, 'Bravo One');
  const ack = await con.call('radio.emergency_ack', { talkgroup: TG });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  assert.deepEqual(ack.result.emergency.acks, ['dora']);
});
