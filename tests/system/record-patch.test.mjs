// Recording across a patch (issue 8): an ESN group patched to an Airwave
// group.  What a radio says on one side and the patch transmits on the
// other is recorded on both, each with the talkgroup it came from, the
// talker and the patch; a dispatcher keying a patched talkgroup is
// recorded with position and operator on both sides.  Search by either
// talkgroup finds them, the files decode (ffmpeg) to the tone that was
// sent, and instant recall of the far side plays it into the headset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { waitFor } from '../lib/harness.mjs';
import { tone, dominant, rms, toneSnr, FRAME, RATE } from '../lib/rtp.mjs';
import { startDual, TG, AW, ESN_TG } from '../lib/tetra.mjs';
import { ffdecode } from '../lib/record.mjs';

const E1 = 'sip:e1@esn.test';
let t, con, recDir, patchId;

before(async () => {
  t = await startDual();
  con = t.con;
  recDir = path.join(t.h.dir, 'state', 'recordings');
  const r = await con.call('radio.patch', { a: TG, b: AW, on: true });
  assert.equal(r.ok, true, JSON.stringify(r));
  patchId = r.result.patches[0].id;
  await waitFor(async () => (await t.group('2002'))?.attached, 5000,
    'the Airwave group attached');
  await waitFor(async () => (await t.esn.state()).groups[0].participants
    .length > 0, 10000, 'the ESN group joined');
});

after(async () => {
  if (t) await t.stop();
});

// The best SNR of the tone over the first second and a half of a file
async function toneIn(rec, hz) {
  const pcm = await ffdecode(path.join(recDir, rec.file));
  assert.ok(pcm.length >= 1.0 * RATE, `only ${pcm.length} samples`);
  return Math.max(...[0.1, 0.3, 0.5, 0.7].map((s) =>
    toneSnr(pcm.subarray(s * RATE, s * RATE + 8000), hz)));
}

async function search(q, pred, what) {
  let hit;
  await waitFor(async () => {
    const r = await con.call('recording.search', q);
    assert.equal(r.ok, true, JSON.stringify(r));
    hit = r.result.recordings.filter(pred);
    return hit.length > 0;
  }, 10000, what).catch(async (e) => {
    const all = await con.call('recording.search', {});
    throw new Error(`${e.message}: ${JSON.stringify(all.result)}` +
      `${t.logs()}`);
  });
  return hit;
}

let carried;

test('a radio carried across the patch is recorded on both sides with ' +
  'its talkgroup, talker and the patch', async () => {
  assert.equal((await t.esn.api('POST', '/v1/radios/e1/talk',
    { group: ESN_TG, seconds: 2 })).status, 200);
  await t.floorEvent((d) => d.patch?.carrying === 'in' &&
    d.patch.talker === E1, 'talker shown across', 8000, AW);
  await t.floorEvent((d) => !d.patch?.carrying, 'the Airwave side let go',
    12000, AW);

  // searched by the Airwave talkgroup: what went out on Airwave, and
  // what was received on ESN (carried to Airwave)
  const onAw = await search({ resource: AW, talker: E1 },
    (x) => x.resource === AW && x.direction === 'tx',
    'the carried transmission on Airwave');
  carried = onAw[0];
  assert.equal(carried.source, TG, JSON.stringify(carried));
  assert.equal(carried.peer, TG);
  assert.equal(carried.patch, patchId);
  assert.equal(carried.alias, 'Echo One');
  assert.equal(carried.kind, 'tetra');
  const rx = (await search({ resource: AW, talker: E1 },
    (x) => x.resource === TG && x.direction === 'rx',
    'the ESN reception found by the Airwave talkgroup'))[0];
  assert.equal(rx.patch, patchId);
  assert.equal(rx.peer, AW);
  assert.equal(rx.source, TG);
  // and by the ESN talkgroup, both again
  const onEsn = (await con.call('recording.search', { resource: TG }))
    .result.recordings.map((x) => x.id);
  assert.ok(onEsn.includes(carried.id) && onEsn.includes(rx.id),
    JSON.stringify(onEsn));

  // iccsctl lists it by either talkgroup too, with where it came from
  const l = await t.h.iccsctl(['recordings', 'list', '--resource', AW]);
  assert.equal(l.code, 0, l.stderr);
  assert.match(l.stdout, new RegExp(`${patchId} from ${TG}`));
  assert.match(l.stdout, new RegExp(`${patchId} to ${AW}`));

  // what Airwave was sent is the ESN radio's 880 Hz
  const snr = await toneIn(carried, 880);
  assert.ok(snr > 12, `880 Hz at ${snr.toFixed(1)} dB SNR on Airwave`);
  const snrRx = await toneIn(rx, 880);
  assert.ok(snrRx > 12, `880 Hz at ${snrRx.toFixed(1)} dB SNR on ESN`);
});

test('a dispatcher keying a patched talkgroup is recorded with position ' +
  'and operator on both sides', async () => {
  await con.call('radio.select', { talkgroup: TG, on: true });
  const p = await con.call('radio.ptt', { on: true });
  assert.equal(p.ok, true, JSON.stringify(p));
  await t.floorEvent((d) => d.floor.state === 'granted', 'ESN granted',
    5000, TG);
  await t.floorEvent((d) => d.floor.state === 'granted', 'Airwave granted',
    8000, AW);
  for (let i = 0; i < 75; i++) {
    t.audio.sendMic(tone(700, -12, FRAME, i * FRAME));
    await new Promise((res) => setTimeout(res, 20));
  }
  await con.call('radio.ptt', { on: false });
  await con.call('radio.select', { talkgroup: TG, on: false });

  const mine = await search({ operator: 'dora' }, (x) =>
    x.direction === 'tx', 'the dispatcher found by operator');
  await waitFor(async () => (await con.call('recording.search',
    { operator: 'dora' })).result.recordings.length >= 2, 10000,
  'both sides closed');
  const rows = (await con.call('recording.search', { operator: 'dora' }))
    .result.recordings;
  const esnTx = rows.find((x) => x.resource === TG);
  const awTx = rows.find((x) => x.resource === AW);
  assert.ok(esnTx && awTx, JSON.stringify(mine));
  for (const x of [esnTx, awTx]) {
    assert.equal(x.position, 'P1');
    assert.equal(x.operator, 'dora');
    assert.equal(x.patch, patchId);
    assert.equal(x.source, TG);
  }
  assert.equal(awTx.peer, TG);
  assert.equal(esnTx.peer, AW);
  // the Airwave side is found by the ESN talkgroup
  const byEsn = (await con.call('recording.search',
    { resource: TG, operator: 'dora' })).result.recordings;
  assert.ok(byEsn.some((x) => x.id === awTx.id));
  // the dispatcher's tone at its level (a paced microphone leaves a
  // few phase jumps, so the median level of 100 ms windows)
  const pcm = await ffdecode(path.join(recDir, awTx.file));
  assert.ok(pcm.length >= 1.0 * RATE, `only ${pcm.length} samples`);
  assert.equal(dominant(pcm.subarray(RATE / 4)), 700);
  const lv = [];
  for (let i = 0; i + 1600 <= pcm.length; i += 1600)
    lv.push(rms(pcm.subarray(i, i + 1600)));
  lv.sort((x, y) => x - y);
  const want = 32767 * Math.pow(10, -12 / 20) / Math.SQRT2;
  const off = 20 * Math.log10(lv[lv.length >> 1] / want);
  assert.ok(Math.abs(off) < 1.5, `level off by ${off.toFixed(2)} dB`);
});

test('instant recall of the far side plays what it carried', async () => {
  const n0 = t.audio.frames.length;
  const rc = await con.call('recording.recall', { resource: AW });
  assert.equal(rc.ok, true, JSON.stringify(rc));
  // recall plays what went out on Airwave itself: the dispatcher's
  // transmission, not the ESN side's copy of it
  assert.equal(rc.result.recordings.length, 1);
  assert.equal(rc.result.recordings[0].resource, AW);
  assert.equal(rc.result.recordings[0].operator, 'dora');
  await waitFor(() => {
    const fr = t.audio.frames.slice(n0);
    const hs = new Int16Array(fr.length * FRAME);
    fr.forEach((f, i) => hs.set(f.headset, i * FRAME));
    return hs.length > 12000 && rms(hs.subarray(-8000)) > 1000 &&
      dominant(hs.subarray(-8000)) === 700;
  }, 6000, 'the recalled 700 Hz in the headset');
});
