// The call taker's console in Chromium: a 999 caller (sipp + an RTP peer
// sending a tone) is answered with one click, heard in the headset (tone
// detection in the page), transferred to another position, whose call
// taker answers and hears the caller too.  The caller hears the first
// call taker's microphone (a fake device playing a tone).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { PASSWORD, freePort, makeTempDir, startIccs, waitFor }
  from '../lib/harness.mjs';
import { goertzel, writeWav } from '../lib/rtp.mjs';
import { audioArgs, launchBrowser, loginThroughPage, newPage }
  from './lib.mjs';
import { trunkPatch, placeCall, sendTone, heard } from '../sipp/sipp.mjs';

const CALLER_HZ = 800;
const MIC_HZ = 1000;
let h, browser, trunkPort, p1, p2, call;

before(async () => {
  const wavDir = await makeTempDir('iccs-wav-');
  const wav = path.join(wavDir, 'mic.wav');
  writeWav(wav, { hz: MIC_HZ, dbfs: -6, ms: 10000, rate: 48000 });
  trunkPort = await freePort();
  h = await startIccs({ configPatch: trunkPatch({ port: trunkPort }) });
  await h.addOperator('cara', ['calltaker']);
  await h.addOperator('cole', ['calltaker']);
  browser = await launchBrowser(h, audioArgs(wav));
});

after(async () => {
  if (call) await call.close();
  if (browser) await browser.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

function hearTone(page, hz) {
  return page.waitForFunction((f) => {
    const a = window.iccs.audio.analyse('headset');
    return Math.abs(a.hz - f) < 30 && a.rms > 0.01;
  }, hz, { timeout: 10000, polling: 50 });
}

test('answer with one click, hear the caller, transfer to another ' +
  'position which hears the caller too', async () => {
  p1 = (await newPage(browser)).page;
  await loginThroughPage(p1, h, 'cara', PASSWORD, 'P1');
  p2 = (await newPage(browser)).page;
  await loginThroughPage(p2, h, 'cole', PASSWORD, 'P2');
  await p1.click('#call-ready');
  await p1.waitForSelector('#call-ready[aria-pressed=true]');

  call = await placeCall({ trunkPort, number: '999' });
  await p1.waitForSelector('.call[data-state=ringing] #call-answer');
  assert.match(await p1.textContent('.call'), /07700900123/);
  await p1.click('#call-answer');
  await p1.waitForSelector('.call[data-state=connected]');

  const port = await call.iccsRtpPort();
  const talking = sendTone(call, port, { hz: CALLER_HZ, ms: 20000 });
  await hearTone(p1, CALLER_HZ);

  // the call taker's microphone reaches the caller
  const n0 = call.peer.packets.length;
  await waitFor(() => call.peer.packets.length > n0 + 50, 8000,
    'RTP to the caller');
  const got = heard(call, n0 + 10);
  assert.ok(goertzel(got, MIC_HZ, 8000) > 10 * goertzel(got, 500, 8000),
    'the caller hears the call taker');

  await p2.click('#call-ready');
  await p2.waitForSelector('#call-ready[aria-pressed=true]');
  await p1.selectOption('#call-transfer-to', 'P2');
  await p1.waitForSelector('.call', { state: 'detached' });
  await p2.waitForSelector('.call[data-state=ringing] #call-answer');
  await p2.click('#call-answer');
  await p2.waitForSelector('.call[data-state=connected]');
  await hearTone(p2, CALLER_HZ);

  await p2.click('#call-hangup');
  await p2.waitForSelector('.call', { state: 'detached' });
  const res = await call.done;
  assert.equal(res.code, 0, `sipp: ${res.stdout}`);
  await talking.catch(() => {});
  assert.deepEqual(p1.errors, []);
  assert.deepEqual(p2.errors, []);
});

test('the supervisor board shows the queues live: waiting calls, longest ' +
  'wait, share answered within 10 s', async () => {
  await h.addOperator('sven', ['supervisor']);
  const sup = (await newPage(browser)).page;
  await loginThroughPage(sup, h, 'sven', PASSWORD, 'P3');
  await sup.waitForSelector('#queue-chart');
  const stat = (q) => `.queue-stat[data-queue=${q}]`;
  await sup.waitForSelector(stat('q999'));
  // the call of the first test was answered within 10 s
  assert.match(await sup.textContent(`${stat('q999')} .q-share`),
    /100 %/);
  const c = await placeCall({ trunkPort, number: '101',
    scenario: 'uac-hangup', holdMs: 4000, caller: '01632960009' });
  try {
    await sup.waitForFunction((s) => /waiting 1/.test(
      document.querySelector(s)?.textContent || ''),
    `${stat('q101')} .q-waiting`, { timeout: 10000 });
    await sup.waitForFunction((s) => /longest [1-9]/.test(
      document.querySelector(s)?.textContent || ''),
    `${stat('q101')} .q-longest`, { timeout: 10000 });
    assert.equal((await c.done).code, 0);
    await sup.waitForFunction((s) => /waiting 0/.test(
      document.querySelector(s)?.textContent || ''),
    `${stat('q101')} .q-waiting`, { timeout: 10000 });
    assert.deepEqual(sup.errors, []);
  } finally {
    await c.close();
  }
});
