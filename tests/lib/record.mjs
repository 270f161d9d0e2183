// Recordings in tests: decoded by ffmpeg, an Ogg Opus decoder independent
// of iccsd's own (src/record/rec_ogg.c)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from './harness.mjs';
import { RATE } from './rtp.mjs';

let seq = 0;

// A recording file -> 16 kHz mono PCM (Int16Array)
export async function ffdecode(file) {
  const out = path.join(os.tmpdir(), `iccs-rec-${process.pid}-${++seq}.raw`);
  const r = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 's16le',
    '-ac', '1', '-ar', String(RATE), '-y', out]);
  assert.equal(r.code, 0, r.stderr);
  const b = fs.readFileSync(out);
  fs.unlinkSync(out);
  return new Int16Array(b.buffer, b.byteOffset, b.length / 2);
}
