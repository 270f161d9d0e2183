// Imminent peril and broadcast group calls over the ESN (TS 24.379 §9.2,
// [simplified] in docs/ESN-PROFILE.md): the console's PTT with a mode
// re-INVITEs the group session with imminentperil-ind / broadcast-ind and
// requests the floor with the matching Floor Indicator. Imminent peril
// takes the floor from a higher-priority radio that a normal press only
// queues behind; during a broadcast the radios only listen.  And T103:
// while a radio talks its audio keeps the floor shown as taken; when the
// network's Floor Idle is lost, the end of its audio frees the button.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../lib/harness.mjs';
import { startEsn, GROUP, TG, ME } from '../lib/esn.mjs';

let esn, con;

before(async () => {
  // the dispatcher's priority (3) is below both radios'
  esn = await startEsn({ priority: 3, radios: [
    { id: 'r1', alias: 'Lima Two One', priority: 5, speech: 'TONE' },
    { id: 'r2', alias: 'Tone', priority: 4, speech: 'TONE' },
  ] });
  con = esn.con;
  await esn.registered();
  await con.call('radio.select', { talkgroup: TG, on: true });
  await esn.floorEvent((d) => d.group === 'joined', 'group joined', 10000);
});

after(async () => { if (esn) await esn.stop(); });

const myLeg = async () => (await esn.group()).participants
  .find((p) => p.mcptt_id === ME);

async function radioTalks(id) {
  assert.equal((await esn.api('POST', `/v1/radios/${id}/talk`,
    { group: GROUP, seconds: 8 })).status, 200);
  await waitFor(async () => (await esn.group()).floor_holder ===
    `sip:${id}@esn.test`, 5000, `${id} holds the floor`);
}

async function release() {
  const r = await con.call('radio.ptt', { on: false });
  assert.equal(r.ok, true, JSON.stringify(r));
  await waitFor(async () => {
    const l = await myLeg();
    return !l.imminent_peril && !l.broadcast;
  }, 5000, 'back to a normal call at the network');
}

test('a normal press waits behind a higher-priority radio', async () => {
  await radioTalks('r1');
  const r = await con.call('radio.ptt', { on: true });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.result.mode, 'normal');
  const f = await esn.floorEvent((d) => ['queued', 'denied']
    .includes(d.floor.state), 'queued or denied');
  assert.notEqual(f.floor.state, 'granted');
  await release();
  await waitFor(async () => !(await esn.group()).floor_holder, 12000,
    'the radio finished');
});

test('imminent peril takes the floor from the higher-priority radio',
  async () => {
    await radioTalks('r1');
    const r = await con.call('radio.ptt', { on: true,
      mode: 'imminent_peril' });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.result.mode, 'imminent_peril');
    await esn.floorEvent((d) => d.floor.state === 'granted' && d.floor.tx,
      'granted over the radio');
    await waitFor(async () => (await myLeg()).imminent_peril === true, 5000,
      'the network was told imminent peril (imminentperil-ind)');
    assert.equal((await esn.group()).floor_holder, ME);
    await release();
  });

test('during a broadcast the radios only listen; after it they talk',
  async () => {
    const r = await con.call('radio.ptt', { on: true, mode: 'broadcast' });
    assert.equal(r.ok, true, JSON.stringify(r));
    await esn.floorEvent((d) => d.floor.state === 'granted' && d.floor.tx,
      'broadcast granted');
    await waitFor(async () => (await myLeg()).broadcast === true, 5000,
      'the network was told broadcast (broadcast-ind)');
    const busy = await esn.api('POST', '/v1/radios/r1/talk',
      { group: GROUP, seconds: 2 });
    assert.equal(busy.status, 409, 'a radio may not talk over a broadcast');
    await release();
    await waitFor(async () => !(await esn.group()).floor_holder, 5000,
      'floor idle after the broadcast');
    assert.equal((await esn.api('POST', '/v1/radios/r1/talk',
      { group: GROUP, seconds: 2 })).status, 200);
  });

test('an unknown mode is refused with a reason', async () => {
  const r = await con.call('radio.ptt', { on: true, mode: 'shouting' });
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 400, JSON.stringify(r));
});

test('T103: the talker stays shown while its audio flows; a lost Floor ' +
  'Idle is covered by the end of the audio', async () => {
  await waitFor(async () => !(await esn.group()).floor_holder, 8000,
    'the floor free');
  await esn.api('POST', '/v1/faults', { drop_floor_idle: true });
  try {
    con.consumeAll();
    const t0 = Date.now();
    await radioTalks('r2');          // 8 s, T103 is 4 s
    await esn.floorEvent((d) => d.floor.state === 'taken', 'taken');
    const idle = esn.floorEvent((d) => d.floor.state === 'idle',
      'idle after the audio ended', 20000);
    const ev = await idle;
    const after = Date.now() - t0;
    assert.ok(after > 8000, `shown idle after ${after} ms, while the ` +
      'radio still talked (T103 not fed by its audio)');
    assert.match(ev.floor.reason ?? '', /T103/, JSON.stringify(ev));
  } finally {
    await esn.api('POST', '/v1/faults', { drop_floor_idle: false });
  }
});
