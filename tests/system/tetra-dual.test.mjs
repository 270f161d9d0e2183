// Dual running, ESN and Airwave: a talkgroup with both bearers moves to
// the other one within seconds when its preferred bearer fails (the
// TETRA terminal stops answering; the ESN simulator is stopped), the
// supervisors get a radio.alarm, and it moves back when the preferred
// bearer works again (and both alarms are audited); a console raises and
// cancels an emergency on an ESN talkgroup through the same op as on
// TETRA.  Both simulators are real peers on loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../lib/harness.mjs';
import { tone, rms, goertzel, FRAME } from '../lib/rtp.mjs';
import {
  startTetra, startEsnSim, TG, GSSI, tetraId, esnGroup,
} from '../lib/tetra.mjs';

const AW = 'tg-airwave-ops';
const ESN_TG = esnGroup('lambeth-ops');
const ESN_AW = esnGroup('airwave-ops');
let t, con, audio;

before(async () => {
  t = await startTetra({
    preferred: 'esn',
    groups: [{ gssi: GSSI, name: 'Lambeth Ops' },
      { gssi: '2002', name: 'Airwave Ops' }],
    radios: [{ issi: '2345', alias: 'Bravo One', speech: 'TONE',
      groups: [GSSI, '2002'] }],
    esn: { groups: [ESN_TG, ESN_AW],
      radios: [{ id: 'e1', alias: 'Echo One', speech: 'TONE880',
        groups: [ESN_TG, ESN_AW] }] },
    extraTalkgroups: [`  - id: ${AW}`, '    name: Airwave Ops',
      '    roles: [dispatcher, supervisor]', `    esn_group: "${ESN_AW}"`,
      '    tetra_gssi: 2002', '    preferred_bearer: tetra', ''].join('\n'),
    directory: [{ id: tetraId('2345'), alias: 'Bravo One' },
      { id: 'sip:e1@esn.test', alias: 'Echo One' }],
  });
  ({ con, audio } = t);
  await waitFor(async () => {
    const l = (await con.call('radio.state', {})).result.links;
    return l.esn?.up && l.tetra?.up;
  }, 10000, 'both bearers up');
});

after(async () => {
  if (t) await t.stop();
});

const alarm = (pred, what, ms = 10000) => con.nextEvent('radio.alarm',
  pred, ms).catch((e) => { throw new Error(`${what}: ${e.message}` +
    `${t.logs()}\n--- esn sim ---\n${t.esn.out.slice(-1500)}`); });

// The speaker since frame n0 carries hz
const hears = (n0, hz) => {
  const sp = t.speakerSince(n0).subarray(-8000);
  return sp.length === 8000 && rms(sp) > 300 &&
    goertzel(sp, hz) > 4 * goertzel(sp, hz === 440 ? 880 : 440);
};

test('a TETRA-preferred talkgroup moves to ESN when the terminal stops ' +
  'answering, with an alarm, and back when it answers', async () => {
  await con.call('radio.monitor', { talkgroup: AW, on: true });
  const j = await t.floorEvent((d) => d.group === 'joined', 'joined', 8000,
    AW);
  assert.equal(j.bearer, 'tetra');

  const over = alarm((d) => d.talkgroup === AW && d.kind === 'failover',
    'failover alarm');
  await t.api('POST', '/v1/mute', { on: true });
  const a = await over;
  assert.equal(a.from, 'tetra');
  assert.equal(a.to, 'esn');
  assert.match(a.reason, /does not answer/);
  await t.floorEvent((d) => d.group === 'joined' && d.bearer === 'esn' &&
    d.failed_over, 'joined over ESN', 10000, AW);

  const n0 = audio.frames.length;
  assert.equal((await t.esn.api('POST', '/v1/radios/e1/talk',
    { group: ESN_AW, seconds: 2 })).status, 200);
  const tk = await t.floorEvent((d) => d.floor.state === 'taken',
    'ESN radio shown', 5000, AW);
  assert.equal(tk.floor.alias, 'Echo One');
  con.consumeAll();
  await waitFor(() => hears(n0, 880), 6000, 'the ESN radio heard');
  await t.floorEvent((d) => d.floor.state === 'idle', 'idle', 6000, AW);

  const back = alarm((d) => d.talkgroup === AW && d.kind === 'failback',
    'failback alarm', 20000);
  await t.api('POST', '/v1/mute', { on: false });
  const b = await back;
  assert.equal(b.to, 'tetra');
  const s = (await con.call('radio.state', {})).result.talkgroups
    .find((x) => x.talkgroup === AW);
  assert.equal(s.bearer, 'tetra');
  assert.equal(s.failed_over, false);
  assert.equal((await t.api('POST', '/v1/radios/2345/talk',
    { group: '2002', seconds: 1 })).status, 200);
  await t.floorEvent((d) => d.floor.state === 'taken' &&
    d.floor.talker === tetraId('2345'), 'TETRA radio after failback', 5000,
  AW);
  con.consumeAll();
  await t.floorEvent((d) => d.floor.state === 'idle', 'idle', 6000, AW);
  await con.call('radio.monitor', { talkgroup: AW, on: false });
});

test('the failover and failback alarms are in the audit trail',
  async () => {
    let entries = [];
    await waitFor(async () => {
      entries = await t.h.auditExport();
      return entries.some((e) => e.action === 'radio.failback' &&
        e.object === AW);
    }, 10000, 'the failback audited');
    const over = entries.find((e) => e.action === 'radio.failover' &&
      e.object === AW);
    assert.ok(over, 'the failover audited');
    assert.equal(over.actor, 'system');
    const d = typeof over.detail === 'string' ? JSON.parse(over.detail) :
      over.detail;
    assert.equal(d.from, 'tetra');
    assert.equal(d.to, 'esn');
    assert.match(d.reason, /does not answer/);
    assert.ok(entries.indexOf(over) < entries.findIndex((e) =>
      e.action === 'radio.failback' && e.object === AW), 'in order');
  });

// iccsd notices a dead ESN at once: mcptt watches the registration's TLS
// connection (sip_keepalive_start) and re-registers every 5 s while down.

test('stopping the ESN simulator moves its talkgroup to TETRA with an ' +
  'alarm; it carries on there; back to ESN when the network returns',
  async () => {
  await con.call('radio.monitor', { talkgroup: TG, on: true });
  await waitFor(async () => (await t.esn.state()).groups
    .find((g) => g.uri === ESN_TG)?.participants.length > 0, 10000,
  'iccsd in the ESN group call');

  const over = alarm((d) => d.talkgroup === TG && d.kind === 'failover',
    'failover alarm');
  const ports = { sipPort: t.esn.sipPort, httpPort: t.esn.httpPort };
  await t.esn.stop();
  const a = await over;
  assert.equal(a.from, 'esn');
  assert.equal(a.to, 'tetra');
  await t.floorEvent((d) => d.group === 'joined' && d.bearer === 'tetra',
    'joined over TETRA', 10000);

  // a TETRA radio heard, and the dispatcher heard on TETRA (the
  // terminal carries one call: the last one's hang time ends first)
  await waitFor(async () => (await t.state()).call.cci === 0, 8000,
    'the terminal free');
  const n0 = audio.frames.length;
  assert.equal((await t.api('POST', '/v1/radios/2345/talk',
    { group: GSSI, seconds: 2 })).status, 200);
  await t.floorEvent((d) => d.floor.state === 'taken' &&
    d.floor.talker === tetraId('2345'), 'TETRA radio shown');
  con.consumeAll();
  await waitFor(() => hears(n0, 440), 6000, 'the TETRA radio heard');
  await t.floorEvent((d) => d.floor.state === 'idle', 'idle', 6000);
  await con.call('radio.select', { talkgroup: TG, on: true });
  await con.call('radio.ptt', { on: true });
  await t.floorEvent((d) => d.floor.state === 'granted', 'granted on TETRA');
  for (let i = 0; i < 50; i++) {
    audio.sendMic(tone(700, -12, FRAME, i * FRAME));
    await new Promise((res) => setTimeout(res, 20));
  }
  await waitFor(async () => Math.abs((await t.heard()).freq_hz - 700) <= 25,
    4000, 'the TETRA network hears the dispatcher');
  await con.call('radio.ptt', { on: false });
  await con.call('radio.select', { talkgroup: TG, on: false });

  const back = alarm((d) => d.talkgroup === TG && d.kind === 'failback',
    'failback alarm', 30000);
  t.esn = await startEsnSim(t.dir, { ...t.esn, ports });
  const b = await back;
  assert.equal(b.to, 'esn');
  await waitFor(async () => (await t.esn.state()).groups
    .find((g) => g.uri === ESN_TG)?.participants.length > 0, 10000,
  'iccsd back in the ESN group call');
});

test('the console raises and cancels an emergency on an ESN talkgroup the ' +
  'same way (radio.emergency_raise is bearer-neutral)', async () => {
  const j = (await con.call('radio.state', {})).result.talkgroups
    .find((x) => x.talkgroup === TG);
  assert.equal(j.bearer, 'esn');
  const on = con.nextEvent('radio.emergency', (d) => d.talkgroup === TG &&
    d.emergency.on, 8000);
  const r = await con.call('radio.emergency_raise', { talkgroup: TG });
  assert.equal(r.ok, true, JSON.stringify(r));
  await on;
  // the dispatcher's leg of the group call carries the emergency
  const leg = async () => (await t.esn.state()).groups
    .find((g) => g.uri === ESN_TG)?.participants[0];
  await waitFor(async () => (await leg())?.emergency === true, 5000,
    'the ESN network saw the emergency re-INVITE');
  const off = con.nextEvent('radio.emergency', (d) => d.talkgroup === TG &&
    !d.emergency.on, 8000);
  assert.equal((await con.call('radio.emergency_raise',
    { talkgroup: TG, on: false })).ok, true);
  await off;
  await waitFor(async () => (await leg())?.emergency === false, 5000,
    'the ESN network saw the cancel');
});
