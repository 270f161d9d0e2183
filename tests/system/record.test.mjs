// Recording (issue 8): a radio heard over the ESN bearer and what the
// dispatcher transmits are recorded, found by search, and decode with
// ffmpeg (an independent Ogg Opus decoder) to the tone that was sent at
// its level, from its first frame; instant recall plays into the headset
// while live audio goes on; `iccsctl recordings verify` proves the files
// and finds an altered and a missing one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  waitFor, run, openConsole, loginOk, PASSWORD,
} from '../lib/harness.mjs';
import { tone, dominant, rms, toneSnr, FRAME, RATE } from '../lib/rtp.mjs';
import { startEsn, GROUP, TG, radioUri } from '../lib/esn.mjs';
import { ffdecode } from '../lib/record.mjs';

let esn, con, audio, recDir;

// The tone.wav of tests/lib/esn.mjs: 440 Hz, 2 s, amplitude 0.25
const TONE_RMS = 0.25 * 32767 / Math.SQRT2;
const db = (a, b) => 20 * Math.log10(a / b);

before(async () => {
  esn = await startEsn();
  ({ con, audio } = esn);
  recDir = path.join(esn.h.dir, 'state', 'recordings');
  await esn.registered();
});

after(async () => {
  if (esn) await esn.stop();
});

async function findOne(query, pred, what) {
  let hit;
  await waitFor(async () => {
    const r = await con.call('recording.search', query);
    assert.equal(r.ok, true, JSON.stringify(r));
    hit = r.result.recordings.find(pred);
    return !!hit;
  }, 8000, what).catch(async (e) => {
    const all = await con.call('recording.search', {});
    throw new Error(`${e.message}: ${JSON.stringify(all.result)}` +
      `${esn.logs()}`);
  });
  return hit;
}

let rxRec, txRec;

test('a radio over ESN is recorded with its talker, from its first frame',
  async () => {
    const r = await con.call('radio.monitor', { talkgroup: TG, on: true });
    assert.equal(r.ok, true, JSON.stringify(r));
    await esn.floorEvent((d) => d.group === 'joined', 'group joined', 10000);
    const t0 = Date.now();
    const n0 = audio.frames.length;
    assert.equal((await esn.api('POST', '/v1/radios/r2/talk',
      { group: GROUP, seconds: 2 })).status, 200);

    rxRec = await findOne({ resource: TG, talker: radioUri('r2') },
      (x) => x.direction === 'rx', 'the transmission found by talker');
    assert.equal(rxRec.kind, 'esn');
    assert.equal(rxRec.alias, 'Tango Two');
    assert.equal(rxRec.status, 'ok');
    assert.equal(rxRec.site, 'lambeth');
    assert.match(rxRec.sha256, /^[0-9a-f]{64}$/);
    assert.ok(rxRec.start >= t0 - 1000 && rxRec.end > rxRec.start,
      JSON.stringify(rxRec));
    // search by time and by alias find it too
    const byTime = await con.call('recording.search',
      { from_ms: t0 - 1000, to_ms: Date.now() });
    assert.ok(byTime.result.recordings.some((x) => x.id === rxRec.id));
    const byAlias = await con.call('recording.search', { talker: 'Tango Two' });
    assert.ok(byAlias.result.recordings.some((x) => x.id === rxRec.id));

    const pcm = await ffdecode(path.join(recDir, rxRec.file));
    // 2 s were sent: nothing clipped at the start (or the end)
    assert.ok(pcm.length >= 1.96 * RATE, `only ${pcm.length} samples`);
    assert.ok(pcm.length <= 2.8 * RATE, `${pcm.length} samples`);
    // The recording is what the console heard: count the 20 ms frames
    // at the tone's level (+-2 dB) in both.  On a loaded machine the
    // network may deliver late and the jitter buffer conceal a few
    // frames; the recording must hold every frame the console heard
    // (less a few for Opus at the edges of such holes).
    await esn.floorEvent((d) => d.floor.state === 'idle', 'Floor Idle');
    const atLevel = (x) => {
      const lv = [];
      for (let i = 0; (i + 1) * FRAME <= x.length; i++) {
        lv.push(db(rms(x.subarray(i * FRAME, (i + 1) * FRAME)), TONE_RMS));
      }
      return lv;
    };
    const recLv = atLevel(pcm);
    // the speaker plays at the talkgroup's volume: levels relative to
    // the median of what was heard
    const heard = atLevel(esn.speakerSince(n0));
    const loud = heard.filter((v) => v > -30).sort((x, y) => x - y);
    const gain = loud[loud.length >> 1];
    const liveLv = heard.map((v) => v - gain);
    // nothing clipped at the start: the recording reaches the tone's
    // level as soon after its first frame as the console did after the
    // first sound it played (the decoder's and jitter buffer's start)
    const onset = liveLv.findIndex((v) => v > -40);
    const liveRamp = liveLv.slice(onset).findIndex((v) => v > -3);
    const recRamp = recLv.findIndex((v) => v > -3);
    assert.ok(onset >= 0 && recRamp >= 0 && recRamp <= liveRamp + 1,
      `tone level after ${recRamp} frames recorded, ${liveRamp} heard`);
    // every frame with sound the console played is in the recording
    const recSound = recLv.filter((v) => v > -40).length;
    const liveSound = liveLv.filter((v) => v > -40).length;
    assert.ok(recSound >= liveSound - 1,
      `${recSound} frames with sound recorded, ${liveSound} heard`);
    const good = recLv.filter((v) => Math.abs(v) < 2).length;
    const liveGood = liveLv.filter((v) => Math.abs(v) < 2).length;
    assert.ok(good >= Math.min(liveGood, 99) - 3 && good >= 60,
      `${good} frames at the tone's level recorded, ${liveGood} heard`);
    // the tone and its level where it was received whole
    const snr = Math.max(...[0.25, 0.5, 0.75, 1, 1.25].map((t) =>
      toneSnr(pcm.subarray(t * RATE, t * RATE + 8000), 440)));
    assert.ok(snr > 15, `440 Hz at ${snr.toFixed(1)} dB SNR`);
    const med = recLv.filter((v) => Math.abs(v) < 6).sort((x, y) => x - y);
    const lvl = med[med.length >> 1];
    assert.ok(Math.abs(lvl) < 1, `median level off by ${lvl.toFixed(2)} dB`);
  });

test('what the dispatcher transmits is recorded with position and ' +
  'operator', async () => {
  await con.call('radio.select', { talkgroup: TG, on: true });
  const p = await con.call('radio.ptt', { on: true });
  assert.equal(p.ok, true, JSON.stringify(p));
  await esn.floorEvent((d) => d.floor.state === 'granted', 'Floor Granted');
  for (let i = 0; i < 75; i++) {
    audio.sendMic(tone(700, -12, FRAME, i * FRAME));
    await new Promise((res) => setTimeout(res, 20));
  }
  await con.call('radio.ptt', { on: false });

  txRec = await findOne({ operator: 'dora' }, (x) => x.direction === 'tx',
    'the transmission found by operator');
  assert.equal(txRec.position, 'P1');
  assert.equal(txRec.resource, TG);
  const pcm = await ffdecode(path.join(recDir, txRec.file));
  assert.ok(pcm.length >= 1.2 * RATE, `only ${pcm.length} samples`);
  const mid = pcm.subarray(RATE / 4, RATE / 4 + 8000);
  assert.equal(dominant(mid), 700);
  const want = 32767 * Math.pow(10, -12 / 20) / Math.SQRT2;
  const lvl = db(rms(mid), want);
  assert.ok(Math.abs(lvl) < 1.5, `level off by ${lvl.toFixed(2)} dB`);
});

test('each closed file is in the audit trail with its SHA-256', async () => {
  const entries = await esn.h.auditExport();
  for (const rec of [rxRec, txRec]) {
    const e = entries.find((x) => x.action === 'recording.close' &&
      x.object === rec.file);
    assert.ok(e, `no audit entry for ${rec.file}`);
    const d = typeof e.detail === 'string' ? JSON.parse(e.detail) : e.detail;
    assert.equal(d.sha256, rec.sha256);
  }
});

test('instant recall plays the last transmission into the headset ' +
  'while live audio goes on', async () => {
  // live: r1 talks on the talkgroup (heard in the headset: selected)
  await con.call('radio.select', { talkgroup: TG, on: false });
  const n0 = audio.frames.length;
  const rc = await con.call('recording.recall', { resource: TG });
  assert.equal(rc.ok, true, JSON.stringify(rc));
  assert.equal(rc.result.recordings[0].id, txRec.id, 'the last one');
  await waitFor(() => {
    const fr = audio.frames.slice(n0);
    const hs = new Int16Array(fr.length * FRAME);
    fr.forEach((f, i) => hs.set(f.headset, i * FRAME));
    return hs.length > 12000 && dominant(hs.subarray(-8000)) === 700;
  }, 5000, 'the recalled 700 Hz in the headset');

  // replay of an older one, while a radio talks on the speaker
  const n1 = audio.frames.length;
  assert.equal((await esn.api('POST', '/v1/radios/r2/talk',
    { group: GROUP, seconds: 2 })).status, 200);
  await esn.floorEvent((d) => d.floor.state === 'taken', 'r2 talks');
  const rp = await con.call('recording.replay', { rec: rxRec.id });
  assert.equal(rp.ok, true, JSON.stringify(rp));
  await waitFor(() => {
    const fr = audio.frames.slice(n1);
    if (fr.length < 40) return false;
    const last = fr.slice(-25);
    const hs = new Int16Array(last.length * FRAME);
    const sp = new Int16Array(last.length * FRAME);
    last.forEach((f, i) => { hs.set(f.headset, i * FRAME);
      sp.set(f.speaker, i * FRAME); });
    return rms(hs) > 1000 && dominant(hs) === 450 && rms(sp) > 1000;
  }, 6000, 'replay in the headset and the live radio on the speaker');

  const entries = await esn.h.auditExport();
  assert.ok(entries.some((x) => x.action === 'recording.recall' &&
    x.actor === 'dora'));
  assert.ok(entries.some((x) => x.action === 'recording.replay' &&
    x.object === rxRec.file));
});

test('export gives the file and its metadata, audited; a dispatcher may ' +
  'not export', async () => {
  const r = await con.call('recording.export', { rec: rxRec.id });
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 403, JSON.stringify(r));

  await esn.h.addOperator('sven', ['supervisor']);
  const sup = await openConsole(esn.h,
    (await loginOk(esn.h, 'sven', PASSWORD, 'P3')).token);
  try {
    const x = await sup.call('recording.export', { rec: rxRec.id });
    assert.equal(x.ok, true, JSON.stringify(x));
    assert.equal(x.result.content_type, 'audio/ogg');
    assert.equal(x.result.recording.talker, radioUri('r2'));
    const data = Buffer.from(x.result.data, 'base64');
    assert.equal(crypto.createHash('sha256').update(data).digest('hex'),
      rxRec.sha256, 'the exported bytes are the recorded ones');
    const out = path.join(esn.dir, 'export.opus');
    fs.writeFileSync(out, data);
    const p = await run('ffprobe', ['-v', 'error', '-show_entries',
      'stream=codec_name,sample_rate,channels', '-of', 'json', out]);
    assert.equal(p.code, 0, p.stderr);
    const st = JSON.parse(p.stdout).streams[0];
    assert.equal(st.codec_name, 'opus');
    assert.equal(st.channels, 1);
  } finally {
    await sup.close();
  }
  const entries = await esn.h.auditExport();
  assert.ok(entries.some((e) => e.action === 'recording.export' &&
    e.actor === 'sven' && e.object === rxRec.file && e.result === 'ok'));
  assert.ok(entries.some((e) => e.action === 'denied' && e.actor === 'dora'
    && e.object === 'recording.export'));
});

test('iccsctl recordings verify: intact, then altered and missing files ' +
  'are found', async () => {
  // all transmissions so far are closed (nothing open)
  await waitFor(async () => {
    const r = await con.call('recording.search', { resource: TG });
    return r.result.recordings.length >= 3;
  }, 8000, 'three recordings closed');
  let v = await esn.h.iccsctl(['recordings', 'verify']);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /intact/);

  const f = path.join(recDir, rxRec.file);
  const b = fs.readFileSync(f);
  b[b.length - 100] ^= 0x01;           // one bit in the audio
  fs.writeFileSync(f, b);
  fs.unlinkSync(path.join(recDir, txRec.file));
  fs.writeFileSync(path.join(path.dirname(f), 'stray.opus'), 'x');

  v = await esn.h.iccsctl(['recordings', 'verify']);
  assert.notEqual(v.code, 0, v.stdout);
  assert.match(v.stdout, new RegExp(`${rxRec.file}: altered`));
  assert.match(v.stdout, new RegExp(`${txRec.file}: missing`));
  assert.match(v.stdout, /stray\.opus: not in the index/);
});
