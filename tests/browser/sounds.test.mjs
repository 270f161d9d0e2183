// Browser tests of the radio panel's test sounds: a supervisor plays a
// 1 kHz tone from the console into a talkgroup and the dispatcher who has
// it selected hears it in the headset; the same into a position; the
// node's sound files are offered; a dispatcher has no such section.
//
// Chromium may play audio without a user gesture, as in audio.test.mjs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { PASSWORD, RES, makeTempDir, startIccs } from '../lib/harness.mjs';
import { freeRtpPort, gatewayPatch, rtpPeer } from '../lib/rtp.mjs';
import { audioArgs, launchBrowser, loginThroughPage, newPage }
  from './lib.mjs';

const TONE_HZ = 1000;
const TG = RES.talkgroup;
const tile = `.tg[data-talkgroup="${TG}"]`;
const SOUND_FILE = 'radio-check.wav';

let h;
let browser;
let disp;        // the dispatcher's console at P2
let sup;         // the supervisor's console at P1
let wavDir;
let peer;        // the talkgroup's RTP peer, so what the node sends lands

before(async () => {
  wavDir = await makeTempDir('iccs-sounds-');
  // the daemon runs as nobody and lists this directory
  fs.chmodSync(wavDir, 0o755);
  // audio.sounds lists *.wav names only; the content is not played here
  fs.writeFileSync(path.join(wavDir, SOUND_FILE), Buffer.alloc(0));
  fs.writeFileSync(path.join(wavDir, 'notes.txt'), 'not a sound');
  peer = await rtpPeer();
  h = await startIccs({ configPatch: gatewayPatch({
    local: await freeRtpPort(), remote: peer.port, wavDir }) });
  await Promise.all([
    h.addOperator('dan', ['dispatcher'], PASSWORD, { name: 'Dan Reid' }),
    h.addOperator('sam', ['supervisor'], PASSWORD, { name: 'Sgt Sam Moore' }),
  ]);
  browser = await launchBrowser(h, audioArgs());
});

after(async () => {
  if (browser) await browser.close();
  if (peer) await peer.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

// Waits until channel ch of the page carries the tone
function hearTone(page, ch) {
  return page.waitForFunction(([c, hz]) => {
    const a = window.iccs.audio.analyse(c);
    return Math.abs(a.hz - hz) < 20 && a.rms > 0.02;
  }, [ch, TONE_HZ], { timeout: 10000, polling: 50 });
}

function quiet(page, timeout = 15000) {
  return page.waitForFunction(() => {
    const a = window.iccs.audio;
    return a.analyse('headset').rms < 0.002 &&
      a.analyse('speaker').rms < 0.002;
  }, null, { timeout, polling: 100 });
}

const optionTexts = (page, sel) => page.$$eval(`${sel} option`,
  (os) => os.map((o) => [o.value, o.textContent]));

async function playFromConsole(page, target, ms) {
  await page.selectOption('#sounds-target', target);
  await page.selectOption('#sounds-sound', `tone:${TONE_HZ}`);
  await page.selectOption('#sounds-length', String(ms));
  await page.click('#sounds-play');
  await page.waitForSelector('.toast-ok:has-text("Tone 1 kHz")');
}

test('a dispatcher has no test sounds', async () => {
  disp = await newPage(browser);
  const page = disp.page;
  await loginThroughPage(page, h, 'dan', PASSWORD, 'P2');
  await page.waitForSelector(tile);
  await page.waitForSelector('#audio-link[data-state=open]');
  assert.equal(await page.locator('#sounds').count(), 0);
  assert.deepEqual(page.errors, []);
});

test('a supervisor plays a 1 kHz tone into the dispatcher\'s selected ' +
  'talkgroup', async () => {
  const dpage = disp.page;
  await dpage.click(`${tile} .tg-select`);
  await dpage.waitForSelector(`${tile}[data-channel=headset]`);

  sup = await newPage(browser);
  const page = sup.page;
  await loginThroughPage(page, h, 'sam', PASSWORD, 'P1');
  await page.waitForSelector('#sounds #sounds-play:enabled');
  const sounds = await optionTexts(page, '#sounds-sound');
  assert.deepEqual(sounds, [[`tone:${TONE_HZ}`, 'Tone 1 kHz'],
    [`wav:${SOUND_FILE}`, SOUND_FILE]]);
  const targets = (await optionTexts(page, '#sounds-target'))
    .map(([v]) => v);
  // the talkgroup, then the positions of Lambeth (not Hendon's P5)
  assert.deepEqual(targets, [TG, 'position:P1', 'position:P2',
    'position:P3', 'position:P4']);
  assert.equal(await page.inputValue('#sounds-level'), '-12');

  await playFromConsole(page, TG, 5000);
  await hearTone(dpage, 'headset');
  await quiet(dpage);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(dpage.errors, []);
});

test('a tone played into a position reaches its headset', async () => {
  const dpage = disp.page;
  // deselect, then stop monitoring: the talkgroup is routed nowhere
  await dpage.click(`${tile} .tg-select`);
  await dpage.waitForSelector(`${tile}[data-channel=speaker]`);
  await dpage.click(`${tile} .tg-monitor`);
  await dpage.waitForSelector(`${tile}[data-channel=off]`);
  await playFromConsole(sup.page, 'position:P2', 5000);
  await hearTone(dpage, 'headset');
  await quiet(dpage);
  assert.deepEqual(dpage.errors, []);
});

test('a refused play shows the server\'s reason as a toast', async () => {
  const page = sup.page;
  await page.selectOption('#sounds-target', TG);
  await page.selectOption('#sounds-sound', `wav:${SOUND_FILE}`);
  fs.rmSync(path.join(wavDir, SOUND_FILE));
  await page.click('#sounds-play');
  const t = await page.waitForSelector('.toast-error:has-text("404")');
  assert.match(await t.textContent(), /audio\.play/);
  assert.match(await t.textContent(), new RegExp(SOUND_FILE));
  await page.waitForSelector('#sounds-play:enabled');
  assert.deepEqual(page.errors, []);
  await sup.ctx.close();
  await disp.ctx.close();
});
