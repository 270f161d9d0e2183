// Recordings over REST and in /metrics (issue 8): export as a plain HTTPS
// download with the console's session token (the Ogg file, its SHA-256 in
// a header, its metadata as a sidecar), with the WSS op's rights (403 for
// a dispatcher, audited); and the recorder's counters scraped before,
// during and after a transmission.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  waitFor, run, loginOk, request, PASSWORD,
} from '../lib/harness.mjs';
import { scrape, value } from '../lib/metrics.mjs';
import { startEsn, GROUP, TG, radioUri } from '../lib/esn.mjs';

let esn, con, rec, m0, sup;

before(async () => {
  esn = await startEsn();
  ({ con } = esn);
  await esn.registered();
  await esn.h.addOperator('sven', ['supervisor']);
  sup = await loginOk(esn.h, 'sven', PASSWORD, 'P3');
});

after(async () => {
  if (esn) await esn.stop();
});

test('/metrics counts a recording: open while it is written, then its ' +
  'bytes, file and frames', async () => {
  m0 = await scrape(esn.h);
  for (const n of ['iccs_recording_files_open', 'iccs_recording_alarm']) {
    assert.equal(m0.types.get(n), 'gauge', n);
  }
  for (const n of ['iccs_recording_bytes_total',
    'iccs_recording_frames_total', 'iccs_recording_frames_dropped_total',
    'iccs_recording_write_errors_total', 'iccs_recording_files_total']) {
    assert.equal(m0.types.get(n), 'counter', n);
  }
  assert.equal(value(m0, 'iccs_recording_files_open'), 0);
  assert.equal(value(m0, 'iccs_recording_alarm', { alarm: 'disk_full' }), 0);

  const r = await con.call('radio.monitor', { talkgroup: TG, on: true });
  assert.equal(r.ok, true, JSON.stringify(r));
  await esn.floorEvent((d) => d.group === 'joined', 'group joined', 10000);
  assert.equal((await esn.api('POST', '/v1/radios/r2/talk',
    { group: GROUP, seconds: 2 })).status, 200);
  await waitFor(async () => value(await scrape(esn.h),
    'iccs_recording_files_open') === 1, 5000, 'one file open');

  await waitFor(async () => {
    const s = await con.call('recording.search', { talker: radioUri('r2') });
    rec = s.result?.recordings[0];
    return !!rec;
  }, 10000, 'the transmission recorded');
  const m1 = await scrape(esn.h);
  assert.equal(value(m1, 'iccs_recording_files_open'), 0);
  const ok = (m) => value(m, 'iccs_recording_files_total', { result: 'ok' });
  assert.equal(ok(m1), ok(m0) + 1);
  const bytes = (m) => value(m, 'iccs_recording_bytes_total');
  assert.equal(bytes(m1) - bytes(m0), rec.bytes, 'bytes written');
  const frames = (m) => value(m, 'iccs_recording_frames_total');
  assert.ok(frames(m1) - frames(m0) >= rec.frames - 2,
    `${frames(m1) - frames(m0)} frames counted, ${rec.frames} recorded`);
  assert.equal(value(m1, 'iccs_recording_frames_dropped_total'), 0);
  assert.equal(value(m1, 'iccs_recording_write_errors_total'), 0);
});

test('GET /api/v1/recordings/{id}/export: the Ogg file with its SHA-256, ' +
  'and the metadata sidecar', async () => {
  const x = await request(esn.h, 'GET', `/api/v1/recordings/${rec.id}/export`,
    undefined, sup.token);
  assert.equal(x.status, 200, x.text);
  assert.equal(x.headers['content-type'], 'audio/ogg');
  assert.equal(x.headers['x-recording-sha256'], rec.sha256);
  assert.equal(crypto.createHash('sha256').update(x.body).digest('hex'),
    rec.sha256, 'the bytes are the recorded ones');
  assert.match(x.headers['content-disposition'],
    new RegExp(`attachment; filename="${path.basename(rec.file)}"`));
  assert.equal(x.headers['cache-control'], 'no-store');
  const out = path.join(esn.dir, 'rest-export.opus');
  fs.writeFileSync(out, x.body);
  const p = await run('ffprobe', ['-v', 'error', '-show_entries',
    'stream=codec_name,channels:format=duration', '-of', 'json', out]);
  assert.equal(p.code, 0, p.stderr);
  const probe = JSON.parse(p.stdout);
  assert.equal(probe.streams[0].codec_name, 'opus');
  assert.equal(probe.streams[0].channels, 1);
  const secs = Number(probe.format.duration);
  assert.ok(Math.abs(secs - (rec.end - rec.start) / 1000) < 0.2,
    `${secs} s long, ${(rec.end - rec.start) / 1000} s indexed`);

  // search over REST finds it as the WSS op does
  const found = await request(esn.h, 'GET',
    `/api/v1/recordings?resource=${TG}&limit=5`, undefined, sup.token);
  assert.equal(found.status, 200, found.text);
  assert.ok(found.json.recordings.some((x) => x.id === rec.id));

  // the sidecar the Link header names
  const link = /^<([^>]+)>; rel="describedby"$/.exec(x.headers.link);
  assert.ok(link, x.headers.link);
  const meta = await request(esn.h, 'GET', link[1], undefined, sup.token);
  assert.equal(meta.status, 200, meta.text);
  assert.equal(meta.json.recording.id, rec.id);
  assert.equal(meta.json.recording.sha256, rec.sha256);
  assert.equal(meta.json.recording.talker, radioUri('r2'));

  const entries = await esn.h.auditExport();
  const e = entries.find((a) => a.action === 'recording.export' &&
    a.actor === 'sven' && a.object === rec.file);
  assert.ok(e, 'the export audited');
  const d = typeof e.detail === 'string' ? JSON.parse(e.detail) : e.detail;
  assert.equal(d.via, 'rest');
  assert.equal(d.sha256, rec.sha256);
});

test('REST export: 403 for a dispatcher (audited), 401 without a token, ' +
  '404 for no such recording', async () => {
  const url = `/api/v1/recordings/${rec.id}/export`;
  const d = await request(esn.h, 'GET', url, undefined, esn.disp.token);
  assert.equal(d.status, 403, d.text);
  assert.equal(d.json.error.code, 403);
  const entries = await esn.h.auditExport();
  assert.ok(entries.some((e) => e.action === 'denied' && e.actor === 'dora'
    && e.object === 'recording.export' && /"via":"rest"/.test(
      typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail))));

  assert.equal((await request(esn.h, 'GET', url)).status, 401);
  assert.equal((await request(esn.h, 'GET', '/api/v1/recordings/999999/' +
    'export', undefined, sup.token)).status, 404);
  assert.equal((await request(esn.h, 'POST', url, {}, sup.token)).status,
    405);
  // a dispatcher may still read the metadata (the replay right)
  const meta = await request(esn.h, 'GET', `/api/v1/recordings/${rec.id}`,
    undefined, esn.disp.token);
  assert.equal(meta.status, 200, meta.text);
});
