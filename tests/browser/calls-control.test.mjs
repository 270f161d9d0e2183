// The call panel's controls by clicking, in Chromium: consult an outside
// party (sipp as the carrier's far end) with the caller on hold, cancel,
// consult again and make it a three-way conference (the caller hears the
// outside party), then an attended transfer completed; and a
// position-to-position intercom called, answered and heard (the calling
// position's fake microphone tone in the other's headset), hung up.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { PASSWORD, freePort, makeTempDir, startIccs, waitFor }
  from '../lib/harness.mjs';
import { goertzel, rms, writeWav } from '../lib/rtp.mjs';
import { audioArgs, launchBrowser, loginThroughPage, newPage }
  from './lib.mjs';
import { trunkPatch, placeCall, farEnd, sendTone, heard }
  from '../sipp/sipp.mjs';

const MIC_HZ = 1000;
let h, browser, trunkPort, farPort, p1, p2;

before(async () => {
  const wavDir = await makeTempDir('iccs-wav-');
  const wav = path.join(wavDir, 'mic.wav');
  writeWav(wav, { hz: MIC_HZ, dbfs: -6, ms: 10000, rate: 48000 });
  trunkPort = await freePort();
  farPort = await freePort();
  h = await startIccs({ configPatch: trunkPatch({ port: trunkPort,
    peer: farPort }) });
  await h.addOperator('cara', ['calltaker']);
  await h.addOperator('cole', ['calltaker']);
  browser = await launchBrowser(h, audioArgs(wav));
  p1 = (await newPage(browser)).page;
  await loginThroughPage(p1, h, 'cara', PASSWORD, 'P1');
  p2 = (await newPage(browser)).page;
  await loginThroughPage(p2, h, 'cole', PASSWORD, 'P2');
});

after(async () => {
  if (browser) await browser.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

async function consult(number) {
  await p1.fill('.call[data-state=connected] #call-consult-number', number);
  await p1.click('.call[data-state=connected] #call-consult');
  await p1.waitForSelector('.call[data-state=held] #call-conference');
  await p1.waitForSelector('.call[data-state=connected] .call-link');
}

test('consult, cancel, consult again, conference, then an attended ' +
  'transfer completed, all by clicking', async () => {
  await p1.click('#call-ready');
  await p1.waitForSelector('#call-ready[aria-pressed=true]');
  const caller = await placeCall({ trunkPort, number: '999',
    scenario: 'uac-hangup', holdMs: 45000 });
  let far = await farEnd({ port: farPort });
  try {
    await p1.click('.call[data-state=ringing] #call-answer');
    await p1.waitForSelector('.call[data-state=connected]');

    await consult('01632960999');
    await p1.click('.call[data-state=held] #call-consult-cancel');
    assert.equal((await far.done).code, 0, 'the consulted party hung up');
    await p1.waitForFunction(() => document.querySelectorAll(
      '.call[data-state=connected]').length === 1 &&
      !document.querySelector('.call-link'));

    await far.close();
    far = await farEnd({ port: farPort });
    await consult('01632960999');
    const outside = await p1.getAttribute('.call[data-state=connected]',
      'data-call');
    await p1.click('.call[data-state=held] #call-conference');
    await p1.waitForFunction(() => [...document.querySelectorAll(
      '.call-link')].filter((x) => x.textContent === 'Conference')
      .length === 2);
    // the caller hears the outside party: the conference is real
    const fport = await far.iccsRtpPort();
    const p0 = caller.peer.packets.length;
    await sendTone(far, fport, { hz: 700, ms: 1500 });
    const got = heard(caller, p0 + 10);
    assert.ok(rms(got) > 300 && goertzel(got, 700, 8000) >
      5 * goertzel(got, 1400, 8000), 'the caller hears the outside party');
    // the outside party leaves: back to a two-party call
    await p1.click(`.call[data-call="${outside}"] #call-hangup`);
    assert.equal((await far.done).code, 0);
    await p1.waitForFunction(() => document.querySelectorAll('.call')
      .length === 1 && !document.querySelector('.call-link'));

    await far.close();
    far = await farEnd({ port: farPort });
    await consult('01632960998');
    await p1.click('.call[data-state=held] #call-complete');
    await p1.waitForSelector('.call', { state: 'detached' });
    // the caller's BYE (after holdMs) ends the bridge: the far end too
    assert.equal((await caller.done).code, 0);
    assert.equal((await far.done).code, 0, 'the bridge ended with BYE');
    assert.deepEqual(p1.errors, []);
  } finally {
    await caller.close();
    await far.close();
  }
});

test('intercom by clicking: P1 calls P2, P2 answers and hears P1, P1 ' +
  'hangs up', async () => {
  await p1.selectOption('#icom-to', 'P2');
  await p1.click('#icom-call');
  await p1.waitForSelector('.intercom[data-state=ringing]');
  await p2.click('.intercom[data-state=ringing] #icom-answer');
  await p2.waitForSelector('.intercom[data-state=connected]');
  await p1.waitForSelector('.intercom[data-state=connected]');
  await p2.waitForFunction((f) => {
    const a = window.iccs.audio.analyse('headset');
    return Math.abs(a.hz - f) < 30 && a.rms > 0.01;
  }, MIC_HZ, { timeout: 10000, polling: 50 });
  await p1.click('.intercom #icom-hangup');
  await p1.waitForSelector('.intercom', { state: 'detached' });
  await p2.waitForSelector('.intercom', { state: 'detached' });
  await waitFor(async () => (await h.auditExport()).some(
    (e) => e.action === 'intercom.answer' && e.actor === 'cole'), 5000,
  'the answer audited');
  assert.deepEqual(p1.errors, []);
  assert.deepEqual(p2.errors, []);
});

test('a dispatcher calls a call taker from the intercom panel: the call ' +
  'taker answers and hears the dispatcher', async () => {
  await h.addOperator('dora', ['dispatcher']);
  const { ctx, page: d } = await newPage(browser);
  try {
    await loginThroughPage(d, h, 'dora', PASSWORD, 'P3');
    await d.waitForSelector('[data-panel=intercom] #icom-to option[value=P1]',
      { state: 'attached' });
    await d.selectOption('[data-panel=intercom] #icom-to', 'P1');
    await d.click('[data-panel=intercom] #icom-call');
    await p1.click('.intercom[data-state=ringing] #icom-answer');
    await d.waitForSelector('[data-panel=intercom] .intercom' +
      '[data-state=connected]');
    await p1.waitForFunction((f) => {
      const a = window.iccs.audio.analyse('headset');
      return Math.abs(a.hz - f) < 30 && a.rms > 0.01;
    }, MIC_HZ, { timeout: 10000, polling: 50 });
    await d.click('[data-panel=intercom] .intercom #icom-hangup');
    await p1.waitForSelector('.intercom', { state: 'detached' });
    await d.waitForSelector('[data-panel=intercom] #icom-to');
    assert.deepEqual(d.errors, []);
  } finally {
    await ctx.close();
  }
});

