// Browser tests of the console's audio path against a real iccsd: what a
// dispatcher hears (speaker for a monitored talkgroup, headset once it is
// selected), what the microphone sends while PTT is held (RTP to the
// talkgroup's peer, a node UDP socket here), and that audio carries on
// after the audio WebSocket drops.
//
// Chromium runs with a fake microphone fed from a 1 kHz WAV written at
// test time, and may play audio without a user gesture.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { PASSWORD, RES, loginOk, makeTempDir, openConsole, startIccs,
  waitFor } from '../lib/harness.mjs';
import { dominant, freeRtpPort, gatewayPatch, rms, rtpPeer, ulawDecode,
  writeWav } from '../lib/rtp.mjs';
import { audioArgs, launchBrowser, loginThroughPage, newPage }
  from './lib.mjs';

const TONE_HZ = 1000;
const TG = RES.talkgroup;
const tile = `.tg[data-talkgroup="${TG}"]`;

let h;
let browser;
let disp;        // the dispatcher's console (page) at P2
let sup;         // the supervisor, a WSS console from node at P1
let peer;        // the talkgroup's RTP peer
let wavDir;

// --- setup -----------------------------------------------------------------

before(async () => {
  wavDir = await makeTempDir('iccs-wav-');
  const wav = path.join(wavDir, 'tone-1k.wav');
  // the fake microphone loops the file: 10 s at 48 kHz, -6 dBFS
  writeWav(wav, { hz: TONE_HZ, dbfs: -6, ms: 10000, rate: 48000 });
  peer = await rtpPeer();
  h = await startIccs({ configPatch: gatewayPatch({
    local: await freeRtpPort(), remote: peer.port, wavDir }) });
  await Promise.all([
    h.addOperator('dan', ['dispatcher'], PASSWORD, { name: 'Dan Reid' }),
    h.addOperator('sam', ['supervisor'], PASSWORD, { name: 'Sgt Sam Moore' }),
  ]);
  browser = await launchBrowser(h, audioArgs(wav));
  const s = await loginOk(h, 'sam', PASSWORD, 'P1');
  sup = await openConsole(h, s.token);
});

after(async () => {
  if (sup) await sup.close();
  if (browser) await browser.close();
  if (peer) await peer.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

// --- helpers on the page -----------------------------------------------------

async function play(ms) {
  const r = await sup.call('audio.play', { target: TG, tone_hz: TONE_HZ,
    level_dbfs: -12, duration_ms: ms });
  assert.ok(r.ok, JSON.stringify(r));
}

// Waits until channel ch carries the tone (and other is quiet)
function hearTone(page, ch, other) {
  return page.waitForFunction(([c, o, hz]) => {
    const a = window.iccs.audio.analyse(c);
    const b = window.iccs.audio.analyse(o);
    return Math.abs(a.hz - hz) < 20 && a.rms > 0.02 && b.rms < 0.005;
  }, [ch, other, TONE_HZ], { timeout: 10000, polling: 50 });
}

function quiet(page, timeout = 15000) {
  return page.waitForFunction(() => {
    const a = window.iccs.audio;
    return a.analyse('headset').rms < 0.002 &&
      a.analyse('speaker').rms < 0.002;
  }, null, { timeout, polling: 100 });
}

// Frames received per second, measured over one second
const framesPerSecond = (page) => page.evaluate(() => new Promise((ok) => {
  const a = window.iccs.audio;
  const f0 = a.framesReceived;
  const t0 = performance.now();
  setTimeout(() => ok((a.framesReceived - f0) * 1000 /
    (performance.now() - t0)), 1000);
}));

const channelIs = (page, ch) =>
  page.waitForSelector(`${tile}[data-channel=${ch}]`);

// --- tests -----------------------------------------------------------------

test('a monitored talkgroup plays on the speaker, a selected one in the ' +
  'headset', async () => {
  disp = await newPage(browser);
  const page = disp.page;
  await loginThroughPage(page, h, 'dan', PASSWORD, 'P2');
  await page.waitForSelector(tile);
  await page.waitForSelector('#audio-link[data-state=open]');
  assert.match(await page.textContent(tile), /Lambeth Ops/);
  assert.match(await page.textContent(tile), /GSSI 2001/);

  await page.click(`${tile} .tg-monitor`);
  await channelIs(page, 'speaker');
  await play(8000);
  await hearTone(page, 'speaker', 'headset');
  await page.waitForSelector(`${tile}[data-active=true]`);

  await page.click(`${tile} .tg-select`);
  await channelIs(page, 'headset');
  assert.equal(await page.getAttribute(`${tile} .tg-select`,
    'aria-pressed'), 'true');
  await hearTone(page, 'headset', 'speaker');
  const st = await page.evaluate(() => window.iccs.audio.state());
  assert.equal(st.link, 'open');
  // a frame every 20 ms: about 50 a second
  const rate = await framesPerSecond(page);
  assert.ok(rate > 40 && rate < 60, `${rate} frames/s`);
  await quiet(page);    // the tone is over before the next test
  assert.deepEqual(page.errors, []);
});

test('PTT with nothing selected is refused with the server\'s reason',
  async () => {
    const page = disp.page;
    await page.click(`${tile} .tg-select`);
    await channelIs(page, 'speaker');
    await page.keyboard.down('Space');
    const t = await page.waitForSelector('.toast-error:has-text("409")');
    assert.match(await t.textContent(), /409/);
    await page.keyboard.up('Space');
    await page.waitForSelector('#ptt[data-state=idle]');
    assert.equal(await page.evaluate(() => window.iccs.audio.micFramesSent),
      0);
  });

test('the microphone reaches the talkgroup\'s RTP peer while Space is held',
  async () => {
    const page = disp.page;
    await page.click(`${tile} .tg-select`);
    await channelIs(page, 'headset');
    const from = peer.packets.length;
    await page.keyboard.down('Space');
    await page.waitForSelector('#ptt[data-state=tx]');
    await waitFor(() => peer.packets.length - from >= 50, 10000,
      '50 RTP packets from the talkgroup');
    const got = peer.packets.slice(from);
    assert.ok(got.every((p) => p.pt === 0), 'PCMU payload type 0');
    // the first packets may carry the start of capture: skip 10
    const pcm = got.slice(10).flatMap((p) => [...p.payload].map(ulawDecode));
    assert.ok(rms(pcm) > 1000, `too quiet: rms ${rms(pcm)}`);
    assert.equal(dominant(pcm, 8000), TONE_HZ);
    const sent = await page.evaluate(() => window.iccs.audio.micFramesSent);
    assert.ok(sent >= 40, `micFramesSent ${sent}`);

    await page.keyboard.up('Space');
    await page.waitForSelector('#ptt[data-state=idle]');
    await waitFor(() => Date.now() - peer.lastAt > 500, 5000,
      'RTP to stop after PTT release');
    // silence is checked over 25 more console frames (500 ms of media
    // time): the page's own audio is the clock
    const n = peer.packets.length;
    const frames = () => page.evaluate(() => window.iccs.audio.framesReceived);
    const f0 = await frames();
    await waitFor(async () => await frames() >= f0 + 25, 5000,
      '25 console frames after the release');
    assert.equal(peer.packets.length, n, 'RTP after PTT release');
    const after = await page.evaluate(() => window.iccs.audio.micFramesSent);
    assert.ok(after - sent < 60, 'mic frames went on after release');

    // the foot pedal (F8 by default) keys the radio too
    await page.keyboard.down('F8');
    await page.waitForSelector('#ptt[data-state=tx]');
    await waitFor(() => peer.packets.length > n, 5000, 'RTP from the pedal');
    await page.keyboard.up('F8');
    await page.waitForSelector('#ptt[data-state=idle]');
    assert.deepEqual(page.errors, []);
  });

test('audio carries on after the audio WebSocket drops', async () => {
  const page = disp.page;
  const before = await page.evaluate(() => window.iccs.audio.state());
  await page.evaluate(() => window.iccs.audio.link.ws.close());
  await page.waitForFunction((n) => {
    const s = window.iccs.audio.state();
    return s.link === 'open' && s.connects === n + 1;
  }, before.connects);
  await page.waitForSelector('#audio-link[data-state=open]');
  await play(4000);
  await hearTone(page, 'headset', 'speaker');
  const st = await page.evaluate(() => window.iccs.audio.state());
  assert.ok(st.framesReceived > before.framesReceived, JSON.stringify(st));
  await channelIs(page, 'headset');   // routing kept by the server
  assert.deepEqual(page.errors, []);
  await disp.ctx.close();
});
