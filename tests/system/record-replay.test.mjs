// Replay decodes off the main loop (issue 8): a ten-minute recording
// replayed at one console is decoded by the recording module's worker
// while another console's requests keep being answered; the replaying
// console gets its reply at once, then a "recording.replay" event when
// the audio plays (or failed, audited), and hears the recording.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  waitFor, run, openConsole, loginOk, PASSWORD,
} from '../lib/harness.mjs';
import { dominant, rms, FRAME } from '../lib/rtp.mjs';
import { startEsn, GROUP, TG, radioUri } from '../lib/esn.mjs';

let esn, con, audio, recDir, rec, other;

before(async () => {
  esn = await startEsn();
  ({ con, audio } = esn);
  recDir = path.join(esn.h.dir, 'state', 'recordings');
  await esn.registered();
  await esn.h.addOperator('cathy', ['calltaker']);
  other = await openConsole(esn.h,
    (await loginOk(esn.h, 'cathy', PASSWORD, 'P2')).token);

  // a transmission recorded, then its file made ten minutes long (the
  // index and the replay path do not care what is inside)
  const r = await con.call('radio.monitor', { talkgroup: TG, on: true });
  assert.equal(r.ok, true, JSON.stringify(r));
  await esn.floorEvent((d) => d.group === 'joined', 'group joined', 10000);
  assert.equal((await esn.api('POST', '/v1/radios/r2/talk',
    { group: GROUP, seconds: 1 })).status, 200);
  await waitFor(async () => {
    const s = await con.call('recording.search', { talker: radioUri('r2') });
    rec = s.result?.recordings[0];
    return !!rec;
  }, 10000, 'the transmission recorded');
  await con.call('radio.monitor', { talkgroup: TG, on: false });
  const big = path.join(esn.dir, 'long.opus');
  const enc = await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i',
    // lavfi's sine is at 1/8 of full scale
    'sine=frequency=450:sample_rate=16000:duration=600', '-ac', '1', '-c:a', 'libopus', '-b:a', '24k', '-y', big]);
  assert.equal(enc.code, 0, enc.stderr);
  fs.copyFileSync(big, path.join(recDir, rec.file));
});

after(async () => {
  if (other) await other.close();
  if (esn) await esn.stop();
});

test('another console is answered while a long replay is decoded, and ' +
  'the replay then plays', async () => {
  con.consumeAll();
  let playing = null;
  const ev = con.nextEvent('recording.replay', (d) =>
    d.recs.includes(rec.id), 30000).then((d) => { playing = d; });
  const n0 = audio.frames.length;
  const rp = await con.call('recording.replay', { rec: rec.id });
  assert.equal(rp.ok, true, JSON.stringify(rp));
  assert.equal(playing, null, 'the reply comes before the decoded audio');

  // the other console's round trips go on while it is decoded: on the
  // main loop none of them would be answered before the event
  let answered = 0;
  while (!playing) {
    const s = await other.call('session.info', {});
    assert.equal(s.ok, true, JSON.stringify(s));
    if (!playing) ++answered;
  }
  await ev;
  assert.equal(playing.state, 'playing', JSON.stringify(playing));
  assert.equal(playing.position, 'P1');
  assert.ok(answered >= 5, `only ${answered} requests answered meanwhile`);

  await waitFor(() => {
    const fr = audio.frames.slice(n0);
    if (fr.length < 20) return false;
    const hs = new Int16Array(20 * FRAME);
    fr.slice(-20).forEach((f, i) => hs.set(f.headset, i * FRAME));
    return rms(hs) > 1000 && dominant(hs) === 450;
  }, 6000, 'the long recording (450 Hz) in the headset');
});

test('a file that cannot be decoded: the reply, then a failed event, ' +
  'audited; a missing one is refused at once', async () => {
  fs.writeFileSync(path.join(recDir, rec.file), 'not an ogg file');
  con.consumeAll();
  const rp = await con.call('recording.replay', { rec: rec.id });
  assert.equal(rp.ok, true, JSON.stringify(rp));
  const ev = await con.nextEvent('recording.replay', (d) =>
    d.recs.includes(rec.id), 10000);
  assert.equal(ev.state, 'failed');
  assert.ok(ev.reason, JSON.stringify(ev));
  const entries = await esn.h.auditExport();
  assert.ok(entries.some((e) => e.action === 'recording.replay' &&
    e.object === rec.file && e.result === 'failed' && e.actor === 'dora'));

  fs.unlinkSync(path.join(recDir, rec.file));
  const gone = await con.call('recording.replay', { rec: rec.id });
  assert.equal(gone.ok, false);
  assert.equal(gone.error.code, 404, JSON.stringify(gone));
  // the event is the replaying position's only
  assert.equal(other.messages.some((m) => m.event === 'recording.replay'),
    false);
});
