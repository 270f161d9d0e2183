// Recording (issue 8) of a telephone call: a 999 call from sipp on the
// trunk, answered by a call taker; the caller's voice and the call
// taker's are each recorded (the call leg is a media stream like any
// other), found by search on the caller id and the call id, and decode
// with ffmpeg to the tone each side sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  startIccs, loginOk, openConsole, waitFor, freePort, PASSWORD,
} from '../lib/harness.mjs';
import { AudioClient, tone, toneSnr, FRAME, RATE } from '../lib/rtp.mjs';
import { trunkPatch, placeCall, sendTone } from '../sipp/sipp.mjs';
import { ffdecode } from '../lib/record.mjs';

const CALLER = '07700900123';
let h, con, audio, sup;

before(async () => {
  const trunkPort = await freePort();
  h = await startIccs({ configPatch: trunkPatch({ port: trunkPort }) });
  h.trunkPort = trunkPort;
  await h.addOperator('cara', ['calltaker']);
  await h.addOperator('sven', ['supervisor']);
  const ct = await loginOk(h, 'cara', PASSWORD, 'P1');
  con = await openConsole(h, ct.token);
  audio = await AudioClient.connect(h, ct.token);
  sup = await openConsole(h, (await loginOk(h, 'sven', PASSWORD, 'P3'))
    .token);
});

after(async () => {
  if (audio) await audio.close();
  if (con) await con.close();
  if (sup) await sup.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

// The best 0.5 s window's SNR of hz in a recording
const bestSnr = (pcm, hz) => {
  let best = -99;
  for (let t = 0; t + 8000 <= pcm.length; t += 4000) {
    best = Math.max(best, toneSnr(pcm.subarray(t, t + 8000), hz));
  }
  return best;
};

test('both sides of an answered 999 call are recorded and found by the ' +
  'caller id', async () => {
  assert.equal((await con.call('call.ready', { on: true })).ok, true);
  const call = await placeCall({ trunkPort: h.trunkPort, number: '999',
    caller: CALLER });
  let id;
  try {
    const off = await con.nextEvent('call.update',
      (d) => d.state === 'ringing' && d.position === 'P1', 10000);
    id = off.id;
    const r = await con.call('call.answer', { call: id });
    assert.equal(r.ok, true, JSON.stringify(r));
    await sendTone(call, await call.iccsRtpPort(), { hz: 1000, ms: 1500 });
    for (let i = 0; i < 75; i++) {
      audio.sendMic(tone(600, -12, FRAME, i * FRAME));
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal((await con.call('call.hangup', { call: id })).ok, true);
    await call.done;
  } finally {
    await call.close();
  }

  // the supervisor finds the caller's side by the caller id
  let rx;
  await waitFor(async () => {
    const s = await sup.call('recording.search', { talker: CALLER });
    rx = s.result?.recordings.find((x) => x.direction === 'rx');
    return !!rx;
  }, 8000, 'the caller recorded').catch((e) => {
    throw new Error(`${e.message}\n${h.logs().slice(-3000)}`);
  });
  assert.equal(rx.kind, 'call');
  assert.equal(rx.call_id, String(id));
  const dir = path.join(h.dir, 'state', 'recordings');
  const rpcm = await ffdecode(path.join(dir, rx.file));
  assert.ok(rpcm.length >= 1.4 * RATE, `${rpcm.length} samples`);
  assert.ok(bestSnr(rpcm, 1000) > 12, `1000 Hz SNR ${bestSnr(rpcm, 1000)}`);

  // and the call taker's side by the call id, with position and operator
  let tx;
  await waitFor(async () => {
    const s = await sup.call('recording.search', { call_id: String(id),
      direction: 'tx' });
    tx = s.result?.recordings.find((x) => x.operator === 'cara');
    return !!tx;
  }, 8000, 'the call taker recorded');
  assert.equal(tx.position, 'P1');
  const tpcm = await ffdecode(path.join(dir, tx.file));
  assert.ok(bestSnr(tpcm, 600) > 12, `600 Hz SNR ${bestSnr(tpcm, 600)}`);

  // a call taker cannot search call recordings (no talkgroup entry, no
  // export right); the supervisor can
  const own = await con.call('recording.search', { call_id: String(id) });
  assert.equal(own.ok, true);
  assert.equal(own.result.recordings.length, 0);
});

test('"last call" recall: both sides on their timeline in the call ' +
  "taker's headset", async () => {
  const n0 = audio.frames.length;
  const r = await con.call('recording.recall', { call: true });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.ok(r.result.recordings.some((x) => x.direction === 'rx'));
  assert.ok(r.result.recordings.some((x) => x.direction === 'tx'));
  const hs = () => {
    const fr = audio.frames.slice(n0);
    const out = new Int16Array(fr.length * FRAME);
    fr.forEach((f, i) => out.set(f.headset, i * FRAME));
    return out;
  };
  // the caller's 1000 Hz, then the call taker's 600 Hz, as it happened
  await waitFor(() => bestSnr(hs(), 1000) > 12, 6000, 'the caller');
  await waitFor(() => bestSnr(hs(), 600) > 12, 6000, 'the call taker');
  const entries = await h.auditExport();
  assert.ok(entries.some((e) => e.action === 'recording.recall' &&
    e.actor === 'cara'));
});
