// Recording (issue 8) on a radio gateway's RTP talkgroup, and on a full
// disk: the gateway's voice is recorded and decodes (ffmpeg) to the tone
// sent; then the recording file system (a 2 MB tmpfs mounted for the
// test: a real ENOSPC, no mock) fills up: the alarm is raised on the
// console and in the audit trail while the live audio goes on unchanged,
// and clears once space is back.  Last, retention: recordings past
// their age are deleted by `iccsctl recordings purge`, each audited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startIccs, loginOk, openConsole, waitFor, run, isRoot, sqlite, RES,
  PASSWORD,
} from '../lib/harness.mjs';
import {
  AudioClient, udpPair, freeRtpPort, rtpPacket, pcmuPayload, tone, dominant,
  rms, FRAME, RATE, gatewayPatch,
} from '../lib/rtp.mjs';
import { scrape, value } from '../lib/metrics.mjs';
import { ffdecode } from '../lib/record.mjs';

const TG = RES.talkgroup;
const skip = isRoot() ? false : 'mounting a tmpfs needs root';
let h, peer, iccsPort, con, audio, mnt, recDir, mounted = false;

before(async () => {
  if (skip) return;
  mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'iccs-recfs-'));
  const m = await run('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0777',
    'tmpfs', mnt]);
  assert.equal(m.code, 0, m.stderr);
  mounted = true;
  recDir = path.join(mnt, 'rec');
  peer = await udpPair();
  iccsPort = await freeRtpPort();
  const gw = gatewayPatch({ local: iccsPort, remote: peer.port });
  h = await startIccs({ configPatch: (t) => gw(t) +
    `recording:\n  dir: ${recDir}\n  min_free_mb: 0\n` +
    '  retention_days: 30\n' });
  await h.addOperator('dora', ['dispatcher']);
  const disp = await loginOk(h, 'dora', PASSWORD, 'P1');
  con = await openConsole(h, disp.token);
  audio = await AudioClient.connect(h, disp.token);
  const r = await con.call('radio.monitor', { talkgroup: TG, on: true });
  assert.equal(r.ok, true, JSON.stringify(r));
});

after(async () => {
  try {
    if (audio) await audio.close();
    if (con) await con.close();
    peer?.rtp.close();
    peer?.rtcp.close();
    if (h) assert.equal(await h.stop(), 0, h.logs());
  } finally {
    // the mount goes whatever happened above
    if (mounted) await run('umount', [mnt]);
    if (mnt) fs.rmSync(mnt, { recursive: true, force: true });
  }
});

// `ms` of a PCMU tone from the gateway, paced at 20 ms
let seq = 1, ts = 0;
async function sendTone(hz, ms) {
  const start = Date.now();
  for (let i = 0; i < ms / 20; i++) {
    const pkt = rtpPacket({ pt: 0, seq: seq++, ts, ssrc: 0x5eed,
      payload: pcmuPayload(tone(hz, -12, FRAME, i * FRAME)) });
    ts += 160;
    peer.rtp.send(pkt, iccsPort, '127.0.0.1');
    const wait = start + (i + 1) * 20 - Date.now();
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  }
}

function headsetOrSpeaker(frames) {
  const sp = new Int16Array(frames.length * FRAME);
  frames.forEach((f, i) => sp.set(f.speaker, i * FRAME));
  return sp;
}

test('a gateway talkgroup transmission is recorded and decodes to the ' +
  'tone', { skip }, async () => {
  await sendTone(1000, 1500);
  let rec;
  await waitFor(async () => {
    const r = await con.call('recording.search', { resource: TG });
    rec = r.result?.recordings.find((x) => x.direction === 'rx');
    return !!rec;
  }, 5000, 'the gateway recording indexed');
  assert.equal(rec.kind, 'rtp');
  assert.equal(rec.status, 'ok');
  const pcm = await ffdecode(path.join(recDir, rec.file));
  assert.ok(pcm.length >= 1.46 * RATE, `only ${pcm.length} samples`);
  const mid = pcm.subarray(RATE / 4, RATE / 4 + 8000);
  assert.equal(dominant(mid), 1000);
  // PCMU and Opus between: within 2 dB of the -12 dBFS sent
  const want = 32767 * Math.pow(10, -12 / 20) / Math.SQRT2;
  const lvl = 20 * Math.log10(rms(mid) / want);
  assert.ok(Math.abs(lvl) < 2, `level off by ${lvl.toFixed(2)} dB`);
});

test('PTT on the gateway talkgroup is recorded with position and operator',
  { skip }, async () => {
    await con.call('radio.select', { talkgroup: TG, on: true });
    const p = await con.call('radio.ptt', { on: true });
    assert.equal(p.ok, true, JSON.stringify(p));
    for (let i = 0; i < 60; i++) {
      audio.sendMic(tone(700, -12, FRAME, i * FRAME));
      await new Promise((res) => setTimeout(res, 20));
    }
    await con.call('radio.ptt', { on: false });
    await con.call('radio.select', { talkgroup: TG, on: false });
    let rec;
    await waitFor(async () => {
      const r = await con.call('recording.search', { resource: TG,
        direction: 'tx' });
      rec = r.result?.recordings[0];
      return !!rec;
    }, 5000, 'the transmission recorded');
    assert.equal(rec.position, 'P1');
    assert.equal(rec.operator, 'dora');
    assert.equal(rec.kind, 'rtp');
    const pcm = await ffdecode(path.join(recDir, rec.file));
    assert.ok(pcm.length >= 1.0 * RATE, `only ${pcm.length} samples`);
    assert.equal(dominant(pcm.subarray(RATE / 4, RATE / 4 + 8000)), 700);
  });

test('a full recording disk raises the alarm while live audio goes on',
  { skip }, async () => {
    // leave ~6 kB: the next transmission runs out within two seconds
    const st = fs.statfsSync(mnt);
    const free = Number(st.bavail) * Number(st.bsize);
    fs.writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(free - 6144));

    const alarm = con.nextEvent('recording.alarm',
      (d) => d.alarm === 'disk_full' && d.on, 15000);
    const n0 = audio.frames.length;
    const talk = sendTone(1000, 6000);
    const a = await alarm;
    assert.match(a.reason, /No space left on device/);
    const nAlarm = audio.frames.length;
    await talk;
    // the live audio went on, the same, before and after the alarm
    await waitFor(() => audio.frames.length >= nAlarm + 60, 3000, 'frames');
    const after = headsetOrSpeaker(audio.frames.slice(nAlarm + 5,
      nAlarm + 55));
    assert.equal(dominant(after), 1000, 'the tone after the alarm');
    assert.ok(rms(after) > 3000, `speaker level ${rms(after)}`);
    const seqs = audio.frames.slice(n0).map((f) => f.seq);
    for (let i = 1; i < seqs.length; i++) {
      assert.equal(seqs[i], seqs[i - 1] + 1, 'no audio frame lost');
    }

    // the cut-short recording is indexed as partial, audited as failed
    let rec;
    await waitFor(async () => {
      const r = await con.call('recording.search', { resource: TG });
      rec = r.result?.recordings.find((x) => x.status !== 'ok');
      return !!rec;
    }, 5000, 'the partial recording indexed');
    assert.equal(rec.status, 'partial');
    const entries = await h.auditExport();
    assert.ok(entries.some((e) => e.action === 'alarm.raise' &&
      e.object === 'disk_full'));
    assert.ok(entries.some((e) => e.action === 'recording.close' &&
      e.object === rec.file && e.result === 'failed'));
    // what reached the disk is still proved by its hash
    const v = await h.iccsctl(['recordings', 'verify']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    // and /metrics says so
    const m = await scrape(h);
    assert.equal(value(m, 'iccs_recording_alarm', { alarm: 'disk_full' }), 1);
    assert.ok(value(m, 'iccs_recording_write_errors_total') >= 1);
    assert.ok(value(m, 'iccs_recording_files_total', { result: 'failed' })
      >= 1);
  });

test('the alarm clears when space is back, and recording resumes',
  { skip }, async () => {
    const cleared = con.nextEvent('recording.alarm',
      (d) => d.alarm === 'disk_full' && !d.on, 10000);
    fs.unlinkSync(path.join(mnt, 'filler'));
    await cleared;
    assert.equal(value(await scrape(h), 'iccs_recording_alarm',
      { alarm: 'disk_full' }), 0);
    const before = (await con.call('recording.search', { resource: TG }))
      .result.recordings.length;
    await sendTone(700, 1000);
    await waitFor(async () => {
      const r = await con.call('recording.search', { resource: TG });
      return r.result.recordings.length > before &&
        r.result.recordings[0].status === 'ok';
    }, 5000, 'a new, complete recording');
  });

test('retention: iccsctl recordings purge deletes what is older, audited',
  { skip }, async () => {
    const all = (await con.call('recording.search', { resource: TG }))
      .result.recordings;
    assert.ok(all.length >= 3, JSON.stringify(all));
    // the two oldest are made 40 days old (the clock cannot be moved)
    const old = all.slice(-2);
    const day = 86400000;
    sqlite(h.storePath, `UPDATE recordings SET start = start - ${40 * day},` +
      ` end = end - ${40 * day} WHERE id IN (${old.map((r) => r.id)})`);
    // recording.retention_days: 30 in the config
    const p = await h.iccsctl(['recordings', 'purge']);
    assert.equal(p.code, 0, p.stdout + p.stderr);
    assert.match(p.stdout, /^2 recordings older than 30 days deleted/);
    for (const r of old) {
      assert.equal(fs.existsSync(path.join(recDir, r.file)), false, r.file);
    }
    const left = (await con.call('recording.search', { resource: TG }))
      .result.recordings;
    assert.equal(left.length, all.length - 2);
    const entries = await h.auditExport();
    for (const r of old) {
      const e = entries.find((x) => x.action === 'recording.delete' &&
        x.object === r.file);
      assert.ok(e, `deletion of ${r.file} audited`);
      assert.equal(e.actor, 'iccsctl');
    }
    const v = await h.iccsctl(['recordings', 'verify']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
