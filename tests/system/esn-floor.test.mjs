// Floor control scenarios of issue 4, iccsd against the simulated ESN
// (iccs-sim esn): late entry into an ongoing call without a Floor Request,
// queued behind a higher priority talker and granted from the queue,
// pre-empted by a radio's emergency (the microphone stops reaching the
// network), and PTT refused for a position without radio.transmit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, loginOk, openConsole, PASSWORD } from '../lib/harness.mjs';
import { tone, dominant, rms, FRAME } from '../lib/rtp.mjs';
import {
  startEsn, DEFAULT_RADIOS, GROUP, TG, ME, radioUri,
} from '../lib/esn.mjs';

const DISPATCHER_PRIORITY = 5;
const HIGH = { id: 'r3', alias: 'Hotel Nine', priority: 9,
  speech: 'Hotel nine, priority traffic, over' };

let esn, con, audio;

before(async () => {
  esn = await startEsn({
    radios: [...DEFAULT_RADIOS, HIGH],
    priority: DISPATCHER_PRIORITY,
    directory: [{ id: 'r2', alias: 'Tango Two' },
      { id: 'r1', alias: 'Lima Two One' }, { id: 'r3', alias: 'Hotel Nine' }],
  });
  ({ con, audio } = esn);
  await esn.registered();
});

after(async () => {
  if (esn) await esn.stop();
});

const talk = async (id, seconds) => {
  const r = await esn.api('POST', `/v1/radios/${id}/talk`,
    { group: GROUP, seconds });
  assert.equal(r.status, 200, `${id} talks: ${r.status}`);
};
const groupState = () => esn.group();
const floorIdle = () => waitFor(async () => {
  const g = await groupState();
  return !g.floor_holder && g.queue.length === 0;
}, 10000, 'the network floor idle');

// Keeps the microphone busy with a tone until stopped, like a talking
// dispatcher: frames paced at 20 ms
function micTone(hz) {
  let on = true, i = 0;
  const done = (async () => {
    while (on) {
      audio.sendMic(tone(hz, -12, FRAME, i++ * FRAME));
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  return async () => { on = false; await done; };
}

test('late entry: joining a call in progress shows the talker and plays ' +
  'it, without a Floor Request', async () => {
  await talk('r2', 6);
  assert.equal((await groupState()).floor_holder, radioUri('r2'));
  con.consumeAll();
  const n0 = audio.frames.length;

  const r = await con.call('radio.monitor', { talkgroup: TG, on: true });
  assert.equal(r.ok, true, JSON.stringify(r));
  const taken = await esn.floorEvent((d) => d.floor.state === 'taken',
    'Floor Taken after joining', 10000);
  assert.equal(taken.group, 'joined');
  assert.equal(taken.floor.talker, radioUri('r2'));
  assert.equal(taken.floor.alias, 'Tango Two');
  assert.equal(taken.floor.tx, false);
  assert.equal(taken.floor.holder, null, 'nobody here holds PTT');
  await waitFor(() => {
    const sp = esn.speakerSince(n0);
    return sp.length > 8000 && rms(sp.subarray(-8000)) > 500 &&
      dominant(sp.subarray(-8000)) === 450;
  }, 8000, 'the talking radio on the speaker (440 Hz: the scan reads 450)');

  // a Floor Request at priority 5 would have pre-empted r2 (priority 4)
  // or sat in the queue: the network still has r2 talking, nobody queued
  const g = await groupState();
  assert.ok(g.participants.some((p) => p.mcptt_id === ME), 'joined');
  assert.equal(g.floor_holder, radioUri('r2'));
  assert.deepEqual(g.queue, []);
  const st = (await con.call('radio.state', {})).result;
  const mine = st.talkgroups.find((t) => t.talkgroup === TG);
  assert.equal(mine.floor.state, 'taken');
  assert.equal(mine.floor.talker, radioUri('r2'));
  await esn.floorEvent((d) => d.floor.state === 'idle',
    'Floor Idle when the radio stops', 10000);
});

test('queued behind a higher priority: Queue Position Info, then granted ' +
  'without pressing again', async () => {
  await floorIdle();
  await talk(HIGH.id, 4);
  await esn.floorEvent((d) => d.floor.state === 'taken' &&
    d.floor.talker === radioUri(HIGH.id), 'Floor Taken by Hotel Nine');
  await con.call('radio.select', { talkgroup: TG, on: true });
  con.consumeAll();

  const p = await con.call('radio.ptt', { on: true });
  assert.equal(p.ok, true, JSON.stringify(p));
  const q = await esn.floorEvent((d) => d.floor.state === 'queued',
    'Queue Position Info');
  assert.equal(q.floor.queue_position, 1);
  assert.equal(q.floor.tx, false);
  assert.equal(q.floor.holder, 'P1');
  const g = await groupState();
  assert.equal(g.floor_holder, radioUri(HIGH.id));
  assert.deepEqual(g.queue.map((x) => [x.mcptt_id, x.priority]),
    [[ME, DISPATCHER_PRIORITY]]);

  // the radio stops at the end of its turn: the queue head is granted
  const gr = await esn.floorEvent((d) => d.floor.state === 'granted',
    'Floor Granted from the queue', 10000);
  assert.equal(gr.floor.tx, true);
  assert.equal(gr.floor.holder, 'P1');
  assert.equal((await groupState()).floor_holder, ME);

  const stopMic = micTone(700);
  try {
    await waitFor(async () => {
      const s = await esn.heard();
      return s && s.packets > 25 && Math.abs(s.freq_hz - 700) <= 25;
    }, 5000, 'the network hears 700 Hz from the dispatcher');
  } finally {
    await stopMic();
  }
  await con.call('radio.ptt', { on: false });
  await esn.floorEvent((d) => ['idle', 'released'].includes(d.floor.state),
    'floor released');
  await floorIdle();
});

test('pre-empted by a radio emergency: revoked with a reason, the ' +
  'microphone no longer reaches the network', async () => {
  await floorIdle();
  con.consumeAll();
  const p = await con.call('radio.ptt', { on: true });
  assert.equal(p.ok, true, JSON.stringify(p));
  await esn.floorEvent((d) => d.floor.state === 'granted' && d.floor.tx,
    'Floor Granted');
  const stopMic = micTone(700);
  try {
    const before = (await esn.heard()).packets;
    await waitFor(async () => (await esn.heard()).packets > before + 25,
      5000, 'the network hears the dispatcher');

    assert.equal((await esn.api('POST', '/v1/radios/r1/emergency',
      { group: GROUP, on: true })).status, 200);
    const rv = await esn.floorEvent((d) => d.floor.state === 'revoked' ||
      (d.floor.state === 'taken' && d.floor.talker === radioUri('r1')),
    'Floor Revoke / Taken by the emergency radio');
    assert.equal(rv.floor.tx, false);
    if (rv.floor.state === 'revoked')
      assert.ok(rv.floor.reason, `a reason: ${JSON.stringify(rv)}`);
    const em = await con.nextEvent('radio.emergency',
      (d) => d.talkgroup === TG && d.emergency.on, 5000);
    assert.equal(em.emergency.by, radioUri('r1'));
    const tk = rv.floor.state === 'taken' ? rv : await esn.floorEvent(
      (d) => d.floor.state === 'taken', 'Floor Taken by the radio');
    assert.equal(tk.floor.talker, radioUri('r1'));
    assert.equal(tk.floor.tx, false);
    assert.equal((await groupState()).floor_holder, radioUri('r1'));

    // Packets sent before the revoke may still be in flight: take the
    // count once it has not moved for 10 frame times, then keep talking
    // for a second more
    let last = -1, since = 0;
    await waitFor(async () => {
      const n = (await esn.heard()).packets;
      if (n !== last) [last, since] = [n, Date.now()];
      return Date.now() - since >= 200;
    }, 3000, 'the dispatcher\'s packets stop');
    const frozen = last;
    const t0 = audio.micSeq;
    await waitFor(() => audio.micSeq >= t0 + 50, 5000, 'a second of mic');
    assert.equal((await esn.heard()).packets, frozen,
      'no packets from the dispatcher after the revoke');
  } finally {
    await stopMic();
  }
  await con.call('radio.ptt', { on: false });
  await esn.api('POST', '/v1/radios/r1/emergency', { group: GROUP, on: false });
  await con.nextEvent('radio.emergency',
    (d) => d.talkgroup === TG && !d.emergency.on, 5000);
  await floorIdle();
});

test('a call taker\'s PTT is refused by iccsd and nothing reaches the ' +
  'network', async () => {
  await floorIdle();
  await esn.h.addOperator('carl', ['calltaker']);
  const ct = await loginOk(esn.h, 'carl', PASSWORD, 'P2');
  const con2 = await openConsole(esn.h, ct.token);
  try {
    const heard0 = (await esn.heard()).packets;
    const m0 = con.messages.length;
    const r = await con2.call('radio.ptt', { on: true });
    assert.equal(r.ok, false, JSON.stringify(r));
    assert.equal(r.error.code, 403, JSON.stringify(r));
    // a round trip through iccsd after the refusal, then the network
    await con.call('radio.state', {});
    const g = await groupState();
    assert.equal(g.floor_holder, null, JSON.stringify(g));
    assert.deepEqual(g.queue, []);
    assert.equal((await esn.heard()).packets, heard0);
    const floorMsgs = con.messages.slice(m0).filter((m) =>
      m.event === 'radio.floor' && m.data.talkgroup === TG);
    assert.deepEqual(floorMsgs.map((m) => m.data.floor.state), [],
      'no floor activity on the console');
  } finally {
    await con2.close();
  }
});
