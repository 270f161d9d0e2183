// Browser test of private radio calls in the radio panel, against iccsd
// registered at the simulated ESN (tests/lib/esn.mjs): dial a radio by its
// call sign, talk in the call with the normal PTT (Space) while the network
// hears the page's microphone, hang up; a radio's call offered on the page,
// answered with one click while another dispatcher sees who has it; the
// Broadcast button holds a broadcast group call.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { PASSWORD, waitFor } from '../lib/harness.mjs';
import { writeWav } from '../lib/rtp.mjs';
import { startEsn, radioUri, ME, TG } from '../lib/esn.mjs';
import { audioArgs, launchBrowser, loginInNewPage } from './lib.mjs';

let esn;
let browser;
let page;

before(async () => {
  esn = await startEsn({ radios: [
    { id: 'r1', alias: 'Lima Two One', priority: 5, speech: 'TONE' },
    { id: 'r2', alias: 'Tone', priority: 4, speech: 'TONE' },
  ] });
  await esn.registered();
  const wav = path.join(esn.dir, 'mic-700.wav');
  writeWav(wav, { hz: 700, dbfs: -6, ms: 10000, rate: 48000 });
  await esn.h.addOperator('dan', ['dispatcher'], PASSWORD,
    { name: 'Dan Reid' });
  browser = await launchBrowser(esn.h, audioArgs(wav));
  ({ page } = await loginInNewPage(browser, esn.h, 'dan', PASSWORD, 'P2'));
  await page.waitForSelector('#rcalls');
});

after(async () => {
  if (browser) await browser.close();
  if (esn) await esn.stop();
});

// A failing step says what the page, iccsd and the network saw
const explain = (fn) => async () => {
  try {
    await fn();
  } catch (err) {
    const html = await page.innerHTML('#rcalls').catch(() => '?');
    throw new Error(`${err.message}\n${html}\n${page.errors}${esn.logs()}`);
  }
};

const simCall = async (radio) => (await esn.state()).groups
  .find((g) => g.private_radio === radio);

test('dial a radio by call sign, talk in the call with Space, hang up',
  explain(async () => {
    await page.fill('#rcall-to', 'Tango Two');
    await page.click('#rcall-dial');
    const row = '.rcall[data-state=connected]';
    await page.waitForSelector(row);
    assert.equal(await page.textContent(`${row} .rcall-who`), 'Tango Two');
    const uri = (await simCall('r2')).uri;

    await page.keyboard.down('Space');
    await page.waitForSelector(`${row}[data-floor=granted]`);
    assert.match(await page.textContent('#ptt-where'), /private call/);
    await waitFor(async () => {
      const s = (await esn.api('GET', `/v1/groups/` +
        `${encodeURIComponent(uri)}/audio?dispatcher=` +
        `${encodeURIComponent(ME)}`)).json;
      return s && s.packets > 25 && Math.abs(s.freq_hz - 700) <= 25;
    }, 8000, 'the radio hears the page microphone (700 Hz)');
    await page.keyboard.up('Space');
    await page.waitForSelector('#ptt[data-state=idle]');

    await page.click(`${row} .rcall-hangup`);
    await page.waitForSelector('.rcall[data-state=ended]');
    await waitFor(async () => !(await simCall('r2')), 5000,
      'the network ended the call');
    assert.deepEqual(page.errors, []);
  }));

test("a radio's call is offered, answered with one click, and the other " +
  'dispatcher sees who has it', explain(async () => {
  assert.equal((await esn.api('POST', '/v1/radios/r1/call', {})).status, 200);
  const offered = '.rcall[data-state=ringing]';
  await page.waitForSelector(`${offered} .rcall-answer`);
  assert.equal(await page.textContent(`${offered} .rcall-who`),
    'Lima Two One');
  const seen = esn.con.nextEvent('radio.call', (d) =>
    d.peer === radioUri('r1') && d.state === 'connected', 8000);
  await page.click(`${offered} .rcall-answer`);
  await page.waitForSelector('.rcall[data-state=connected] .rcall-hangup');
  const other = await seen;
  assert.equal(other.position, 'P2', 'dora sees that P2 has the call');

  assert.equal((await esn.api('POST', '/v1/radios/r1/hangup')).status, 200);
  await page.waitForSelector('.rcall[data-state=ended]');
  assert.deepEqual(page.errors, []);
}));

test('holding Broadcast makes a broadcast group call the radios cannot ' +
  'talk over', explain(async () => {
  const tile = `.tg[data-talkgroup="${TG}"]`;
  await page.click(`${tile} .tg-select`);
  await page.waitForSelector(`${tile}.tg-selected`);
  await page.waitForSelector(`${tile} .tg-group[data-group=joined]`);
  const leg = async () => (await esn.group()).participants
    .find((p) => p.mcptt_id === ME);

  await page.hover('#ptt-broadcast');   /* scrolls it into view */
  await page.mouse.down();
  await page.waitForSelector('#ptt[data-floor=granted]');
  await waitFor(async () => (await leg()).broadcast === true, 5000,
    'broadcast-ind at the network');
  assert.equal((await esn.api('POST', '/v1/radios/r1/talk',
    { group: (await esn.group()).uri, seconds: 2 })).status, 409);
  await page.mouse.up();
  await page.waitForSelector('#ptt[data-state=idle]');
  await waitFor(async () => (await leg()).broadcast === false, 5000,
    'a normal call again');
  assert.deepEqual(page.errors, []);
}));
