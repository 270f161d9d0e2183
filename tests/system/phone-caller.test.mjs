// The demo's speaking caller (tests/sipp/uac-demo.xml: sipp with its own
// RTP stream of an espeak-ng sentence) is heard in the call taker's
// headset once answered, and leaves when the call taker hangs up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  startIccs, loginOk, openConsole, waitFor, freePort, run, makeTempDir,
  PASSWORD,
} from '../lib/harness.mjs';
import { AudioClient, rms, FRAME } from '../lib/rtp.mjs';
import { trunkPatch, SIPP_DIR } from '../sipp/sipp.mjs';

let h, trunkPort, con, audio;

before(async () => {
  trunkPort = await freePort();
  h = await startIccs({ configPatch: trunkPatch({ port: trunkPort }) });
  await h.addOperator('cara', ['calltaker']);
  const s = await loginOk(h, 'cara', PASSWORD, 'P1');
  con = await openConsole(h, s.token);
  audio = await AudioClient.connect(h, s.token);
});

after(async () => {
  if (audio) await audio.close();
  if (con) await con.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

test('a speaking caller is heard at the position that answers',
  async () => {
  const dir = await makeTempDir('iccs-caller-');
  let r = await run('espeak-ng', ['-w', path.join(dir, 's.wav'),
    'Hello, I need the police, someone is breaking into my car']);
  assert.equal(r.code, 0, r.stderr);
  r = await run('sox', [path.join(dir, 's.wav'), '-r', '8000', '-c', '1',
    '-e', 'mu-law', path.join(dir, 'caller.wav')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await con.call('call.ready', { on: true })).ok, true);
  const sipp = run('sipp', ['-sf', path.join(SIPP_DIR, 'uac-demo.xml'),
    '-i', '127.0.0.1', '-p', String(await freePort()), '-mp',
    String(await freePort()), '-s', '999', '-set', 'caller', '07700900555',
    '-m', '1', '-l', '1', '-timeout', '60s', '-timeout_error', '-nostdin',
    `127.0.0.1:${trunkPort}`], { timeoutMs: 65000, cwd: dir });
  const off = await con.nextEvent('call.update',
    (d) => d.state === 'ringing' && d.position === 'P1', 10000);
  assert.equal(off.caller, '07700900555');
  assert.equal((await con.call('call.answer', { call: off.id })).ok, true);
  const n0 = audio.frames.length;
  await waitFor(() => {
    const fr = audio.frames.slice(n0);
    const hs = new Int16Array(fr.length * FRAME);
    fr.forEach((f, i) => hs.set(f.headset, i * FRAME));
    return fr.length >= 50 && rms(hs) > 300;
  }, 8000, 'the caller\'s speech in the headset');
  assert.equal((await con.call('call.hangup', { call: off.id })).ok, true);
  const res = await sipp;
  assert.equal(res.code, 0, `sipp: ${res.stdout}\n${res.stderr}`);
});
