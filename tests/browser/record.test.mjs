// Browser test of the recordings panel (issue 8): a supervisor's console
// finds a transmission, recalls it with one click into the headset while
// the live talkgroup goes on in the speaker (both heard in the page's own
// audio), and exports the file, byte for byte what was recorded; the
// radio tile's Recall button does the same for a dispatcher; a row's
// Replay is told when its decoded audio plays.  Audited.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { test, before, after } from 'node:test';
import { PASSWORD, RES, loginOk, openConsole, startIccs, waitFor }
  from '../lib/harness.mjs';
import { freeRtpPort, gatewayPatch, rtpPeer } from '../lib/rtp.mjs';
import { audioArgs, launchBrowser, loginInNewPage } from './lib.mjs';

const TG = RES.talkgroup;
const tile = `.tg[data-talkgroup="${TG}"]`;
let h, browser, page, ws, peer, rec;

before(async () => {
  peer = await rtpPeer();
  h = await startIccs({ configPatch: gatewayPatch({
    local: await freeRtpPort(), remote: peer.port }) });
  await h.addOperator('sam', ['supervisor'], PASSWORD, { name: 'Sam Moore' });
  await h.addOperator('dan', ['dispatcher'], PASSWORD, { name: 'Dan Reid' });
  await h.addOperator('sue', ['supervisor'], PASSWORD);
  // a second supervisor's console from node plays the "radio traffic"
  ws = await openConsole(h, (await loginOk(h, 'sue', PASSWORD, 'P3')).token);
  browser = await launchBrowser(h, audioArgs());
  ({ page } = await loginInNewPage(browser, h, 'sam', PASSWORD, 'P1'));
});

after(async () => {
  if (ws) await ws.close();
  if (browser) await browser.close();
  if (peer) await peer.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

const play = async (hz, ms) => {
  const r = await ws.call('audio.play', { target: TG, tone_hz: hz,
    level_dbfs: -12, duration_ms: ms });
  assert.ok(r.ok, JSON.stringify(r));
};

test('a transmission is found in the recordings panel', async () => {
  await play(600, 1500);
  await waitFor(async () => {
    const r = await ws.call('recording.search', { resource: TG });
    rec = r.result.recordings[0];
    return !!rec;
  }, 6000, 'the 600 Hz transmission recorded');
  await page.waitForSelector('#recordings');
  await page.selectOption('#rec-resource', TG);
  await page.click('#rec-search-go');
  const row = await page.waitForSelector(`#rec-rows tr[data-rec="${rec.id}"]`);
  assert.match(await row.textContent(), /received/);
  assert.deepEqual(page.errors, []);
});

test('instant recall: one click on the radio tile plays the last ' +
  'transmission in the headset while the live talkgroup goes on in the ' +
  'speaker', async () => {
  const { ctx, page: dp } = await loginInNewPage(browser, h, 'dan',
    PASSWORD, 'P2');
  try {
    await dp.click(`${tile} .tg-monitor`);
    await dp.waitForSelector(`${tile}[data-channel=speaker]`);
    await play(1000, 6000);                   // live, still going on...
    await dp.waitForFunction(() => {
      const s = window.iccs.audio.analyse('speaker');
      return Math.abs(s.hz - 1000) < 20 && s.rms > 0.02;
    }, null, { timeout: 10000, polling: 50 });
    await dp.click(`${tile} .tg-recall`);
    await dp.waitForFunction(() => {         // ...while the recall plays
      const a = window.iccs.audio;
      const hs = a.analyse('headset');
      const sp = a.analyse('speaker');
      return Math.abs(hs.hz - 600) < 20 && hs.rms > 0.02 &&
        Math.abs(sp.hz - 1000) < 20 && sp.rms > 0.02;
    }, null, { timeout: 10000, polling: 50 });
    assert.deepEqual(dp.errors, []);
  } finally {
    await ctx.close();
  }
  const entries = await h.auditExport();
  assert.ok(entries.some((e) => e.action === 'recording.recall' &&
    e.actor === 'dan' && e.position === 'P2' && e.result === 'ok'));
});

test('the recordings panel recalls too, and exports the recorded bytes ' +
  'and their metadata', async () => {
  await page.click(`#rec-recall button[data-talkgroup="${TG}"]`);
  await page.waitForFunction(() => /Recalling/.test(
    document.querySelector('#rec-status').textContent));
  // a row's Replay: the server says when the decoded audio plays
  await page.click(`#rec-rows tr[data-rec="${rec.id}"] .rec-replay`);
  await page.waitForFunction((id) => document.querySelector('#rec-status')
    .dataset.playing === id, String(rec.id), { timeout: 10000 });
  const dl = page.waitForEvent('download');
  await page.click(`#rec-rows tr[data-rec="${rec.id}"] .rec-export`);
  const d = await dl;
  const data = fs.readFileSync(await d.path());
  assert.equal(crypto.createHash('sha256').update(data).digest('hex'),
    rec.sha256);
  const entries = await h.auditExport();
  for (const a of ['recording.recall', 'recording.export']) {
    assert.ok(entries.some((e) => e.action === a && e.actor === 'sam' &&
      e.position === 'P1'), a);
  }
  assert.deepEqual(page.errors, []);
});
