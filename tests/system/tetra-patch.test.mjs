// A patch between an Airwave group and an ESN group, made and dissolved
// from the console: a radio on each side is heard on the other (tone
// detection at each network), nothing comes back to where it came from,
// the talker's identity is shown across, both talkgroups show the patch,
// and simultaneous keying leaves the first talker carried.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  waitFor, loginOk, openConsole, PASSWORD,
} from '../lib/harness.mjs';
import { tone, FRAME } from '../lib/rtp.mjs';
import {
  startDual, TG, AW, ESN_TG, tetraId,
} from '../lib/tetra.mjs';

let t, con;

before(async () => {
  t = await startDual();
  con = t.con;
});

after(async () => {
  if (t) await t.stop();
});

const esnHeard = async () => (await t.esn.heard(ESN_TG)) ??
  { packets: 0, freq_hz: 0 };
const near = (f, hz) => Math.abs(f - hz) <= 25;

test('the console patches an Airwave group to an ESN group; both ' +
  'talkgroups show it', async () => {
  const r = await con.call('radio.patch', { a: TG, b: AW, on: true });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.result.patches.length, 1);
  const s = (await con.call('radio.state', {})).result;
  const a = s.talkgroups.find((x) => x.talkgroup === TG);
  const b = s.talkgroups.find((x) => x.talkgroup === AW);
  assert.equal(a.patch.with, AW);
  assert.equal(b.patch.with, TG);
  assert.equal(a.bearer, 'esn');
  assert.equal(b.bearer, 'tetra');
  // the patch keeps both groups joined, nobody needs to listen
  await waitFor(async () => (await t.group('2002'))?.attached, 5000,
    'the Airwave group attached');
  await waitFor(async () => (await t.esn.state()).groups[0].participants
    .length > 0, 10000, 'the ESN group joined');
  const again = await con.call('radio.patch', { a: AW, b: TG, on: true });
  assert.equal(again.ok, false);
  assert.equal(again.error.code, 409);
});

test('an ESN radio is heard on Airwave, with its identity shown on the ' +
  'Airwave talkgroup, and not echoed back to ESN', async () => {
  const e0 = await esnHeard();
  assert.equal((await t.esn.api('POST', '/v1/radios/e1/talk',
    { group: ESN_TG, seconds: 3 })).status, 200);
  const ev = await t.floorEvent((d) => d.patch?.carrying === 'in' &&
    d.patch.talker === 'sip:e1@esn.test', 'talker shown across', 8000, AW);
  assert.equal(ev.patch.alias, 'Echo One');
  con.consumeAll();
  await waitFor(async () => {
    const h = await t.heard('2002');
    return h.packets > 20 && near(h.freq_hz, 880);
  }, 8000, 'the Airwave network hears the ESN radio (880 Hz)');
  assert.equal((await esnHeard()).packets, e0.packets,
    'nothing sent back into the ESN group');
  await t.floorEvent((d) => d.floor.state === 'idle' && !d.patch?.carrying,
    'the Airwave side let go', 10000, AW);
});

test('an Airwave radio is heard on ESN and not echoed back to Airwave',
  async () => {
    const a0 = (await t.heard('2002')).packets;
    assert.equal((await t.api('POST', '/v1/radios/2345/talk',
      { group: '2002', seconds: 3 })).status, 200);
    await t.floorEvent((d) => d.patch?.carrying === 'in' &&
      d.patch.talker === tetraId('2345'), 'talker shown across', 8000, TG);
    con.consumeAll();
    await waitFor(async () => {
      const h = await esnHeard();
      return h.packets > 20 && near(h.freq_hz, 440);
    }, 8000, 'the ESN network hears the Airwave radio (440 Hz)');
    assert.equal((await t.heard('2002')).packets, a0,
      'nothing sent back into the Airwave group');
    await t.floorEvent((d) => !d.patch?.carrying, 'the ESN side let go',
      10000, TG);
  });

test('simultaneous keying: the first talker stays carried while the ' +
  'other side keys', async () => {
  assert.equal((await t.api('POST', '/v1/radios/2345/talk',
    { group: '2002', seconds: 3 })).status, 200);
  await t.floorEvent((d) => d.patch?.carrying === 'in', 'Airwave carried',
    8000, TG);
  con.consumeAll();
  // the ESN radio keys meanwhile: the network gives it the floor back
  // only if it pre-empts; either way it is not carried to Airwave
  const e = await t.esn.api('POST', '/v1/radios/e1/talk',
    { group: ESN_TG, seconds: 1 });
  assert.ok([200, 409].includes(e.status), `${e.status}`);
  const s = (await con.call('radio.state', {})).result.talkgroups
    .find((x) => x.talkgroup === AW);
  assert.equal(s.patch.carrying, 'out', 'Airwave still the carried side');
  if (e.status === 200) {
    // it pre-empted the patch's floor on ESN: a collision, not carried
    await waitFor(async () => (await con.call('radio.state', {})).result
      .patches[0].collisions >= 1, 3000, 'the collision counted');
  }
  await t.floorEvent((d) => !d.patch?.carrying, 'done', 12000, TG);
});

test('a dispatcher talking on a patched talkgroup is heard on both ' +
  'networks', async () => {
  await t.floorEvent((d) => !d.patch?.carrying, 'the patch idle', 12000,
    AW);
  await con.call('radio.select', { talkgroup: TG, on: true });
  const p = await con.call('radio.ptt', { on: true });
  assert.equal(p.ok, true, JSON.stringify(p));
  await t.floorEvent((d) => d.floor.state === 'granted', 'ESN granted',
    5000, TG);
  await t.floorEvent((d) => d.floor.state === 'granted', 'Airwave granted',
    8000, AW);
  const sendTone = (async () => {
    for (let i = 0; i < 100; i++) {
      t.audio.sendMic(tone(700, -12, FRAME, i * FRAME));
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  await waitFor(async () => near((await esnHeard()).freq_hz, 700) &&
    near((await t.heard('2002')).freq_hz, 700), 6000,
  'both networks hear the dispatcher (700 Hz)');
  await sendTone;
  await con.call('radio.ptt', { on: false });
  await t.floorEvent((d) => ['idle', 'released'].includes(d.floor.state),
    'Airwave let go', 8000, AW);
  await con.call('radio.select', { talkgroup: TG, on: false });
});

test('dissolving the patch clears both talkgroups', async () => {
  const r = await con.call('radio.patch', { a: AW, b: TG, on: false });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.result.patches.length, 0);
  const s = (await con.call('radio.state', {})).result.talkgroups;
  assert.equal(s.find((x) => x.talkgroup === TG).patch, null);
  assert.equal(s.find((x) => x.talkgroup === AW).patch, null);
  const again = await con.call('radio.patch', { a: AW, b: TG, on: false });
  assert.equal(again.error.code, 404);
});

test('a call taker may not patch or send radio messages', async () => {
  await t.h.addOperator('cathy', ['calltaker']);
  const s = await loginOk(t.h, 'cathy', PASSWORD, 'P2');
  const c = await openConsole(t.h, s.token);
  try {
    const p = await c.call('radio.patch', { a: TG, b: AW, on: true });
    assert.equal(p.error.code, 403);
    const m = await c.call('radio.send', { to: 'tetra:2345', text: 'x' });
    assert.equal(m.error.code, 403);
  } finally {
    await c.close();
  }
});
