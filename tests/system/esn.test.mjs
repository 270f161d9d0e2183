// iccsd as an ESN dispatcher against the simulated network (iccs-sim esn):
// registration over mutual TLS, joining a group call when a console
// monitors its talkgroup, a radio heard with its identity, PTT granted by
// the network's floor control and heard there, an emergency shown and
// acknowledged.  Real peers on loopback, ports picked in tests/lib/esn.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../lib/harness.mjs';
import { tone, dominant, rms, FRAME } from '../lib/rtp.mjs';
import { startEsn, GROUP, TG, ME, radioUri } from '../lib/esn.mjs';

let esn, con, audio;

before(async () => {
  esn = await startEsn();
  ({ con, audio } = esn);
});

after(async () => {
  if (esn) await esn.stop();
});

test('the node registers with the network over mutual TLS', async () => {
  await esn.registered();
  await waitFor(async () => (await con.call('radio.state', {})).result
    .links.esn?.up === true, 5000, 'consoles told the ESN link is up');
});

test('monitoring the talkgroup joins its group call; a radio is heard ' +
  'with its identity', async () => {
  const r = await con.call('radio.monitor', { talkgroup: TG, on: true });
  assert.equal(r.ok, true, JSON.stringify(r));
  await waitFor(async () => (await esn.group())?.participants
    .some((p) => p.mcptt_id === ME), 10000, 'iccsd in the group call');
  await esn.floorEvent((d) => d.group === 'joined', 'group joined');

  const n0 = audio.frames.length;
  assert.equal((await esn.api('POST', '/v1/radios/r2/talk',
    { group: GROUP, seconds: 2 })).status, 200);
  const taken = await esn.floorEvent((d) => d.floor.state === 'taken',
    'Floor Taken shown');
  assert.equal(taken.floor.talker, radioUri('r2'));
  assert.equal(taken.floor.alias, 'Tango Two', 'the directory alias');
  await waitFor(() => {
    const sp = esn.speakerSince(n0);
    return sp.length > 16000 && rms(sp.subarray(-8000)) > 500 &&
      dominant(sp.subarray(-8000)) === 450;
  }, 8000, 'the radio on the speaker (440 Hz: the scan reads 450)');
  await esn.floorEvent((d) => d.floor.state === 'idle', 'Floor Idle after');
});

test('PTT: the network grants the floor and hears the dispatcher',
  async () => {
    await con.call('radio.select', { talkgroup: TG, on: true });
    const p = await con.call('radio.ptt', { on: true });
    assert.equal(p.ok, true, JSON.stringify(p));
    const g = await esn.floorEvent((d) => d.floor.state === 'granted',
      'Floor Granted');
    assert.equal(g.floor.tx, true);
    assert.equal(g.floor.holder, 'P1');
    for (let i = 0; i < 75; i++) {
      audio.sendMic(tone(700, -12, FRAME, i * FRAME));
      await new Promise((res) => setTimeout(res, 20));
    }
    await waitFor(async () => {
      const s = await esn.heard();
      return s && s.packets > 25 && Math.abs(s.freq_hz - 700) <= 25;
    }, 4000, 'the network hears 700 Hz from the dispatcher');
    await con.call('radio.ptt', { on: false });
    await esn.floorEvent((d) => ['idle', 'released'].includes(d.floor.state),
      'floor released');
  });

test('a radio emergency reaches the console and the acknowledgement is ' +
  'shared', async () => {
  assert.equal((await esn.api('POST', '/v1/radios/r1/emergency',
    { group: GROUP, on: true })).status, 200);
  const em = await con.nextEvent('radio.emergency',
    (d) => d.talkgroup === TG && d.emergency.on, 5000);
  assert.equal(em.emergency.by, radioUri('r1'));
  assert.equal(em.emergency.by_alias, 'Lima Two One');
  const ack = await con.call('radio.emergency_ack', { talkgroup: TG });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  assert.deepEqual(ack.result.emergency.acks, ['dora']);
  await esn.api('POST', '/v1/radios/r1/emergency', { group: GROUP, on: false });
  await con.nextEvent('radio.emergency',
    (d) => d.talkgroup === TG && !d.emergency.on, 5000);
});
