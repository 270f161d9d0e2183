// Browser test of the Airwave (TETRA) side of the console against iccsd
// driving the simulated terminal (iccs-sim tetra): the talkgroup button
// shows the TETRA bearer and who talks, a patch made from the patch bar
// shows on both talkgroup buttons, the messages panel receives a radio's
// text and sends a canned status, the map panel shows a radio's location
// report, the Emergency button raises a TETRA emergency, and the radio-call
// panel calls a TETRA radio and answers its call.
import assert from 'node:assert/strict';
import { test, before, after } from 'node:test';
import { PASSWORD, waitFor } from '../lib/harness.mjs';
import { startTetra, TG, GSSI } from '../lib/tetra.mjs';
import { launchBrowser, loginInNewPage } from './lib.mjs';

const AW = 'tg-airwave-ops';
const tile = (id) => `.tg[data-talkgroup="${id}"]`;
let t;
let browser;
let page;

// the radio panel scrolls inside its grid cell: press the button itself
const click = (sel) => page.$eval(sel, (b) => b.click());

before(async () => {
  t = await startTetra({
    console: false,
    groups: [{ gssi: GSSI, name: 'Lambeth Ops' },
      { gssi: '2002', name: 'Airwave Ops' }],
    radios: [{ issi: '2345', alias: 'Bravo One', speech: 'TONE',
      groups: [GSSI, '2002'] }],
    extraTalkgroups: [`  - id: ${AW}`, '    name: Airwave Ops',
      '    roles: [dispatcher, supervisor]', '    tetra_gssi: 2002',
      ''].join('\n'),
  });
  browser = await launchBrowser(t.h);
  ({ page } = await loginInNewPage(browser, t.h, 'dora', PASSWORD, 'P1'));
});

after(async () => {
  if (browser) await browser.close();
  if (t) await t.stop();
});

test('the talkgroup button shows the TETRA bearer and the talker',
  async () => {
    await page.waitForSelector(`${tile(TG)} .tg-badge:text("TETRA")`);
    await click(`${tile(TG)} .tg-monitor`);
    await page.waitForSelector(`${tile(TG)} .tg-group[data-group=joined]`);
    assert.equal((await t.api('POST', '/v1/radios/2345/talk',
      { group: GSSI, seconds: 3 })).status, 200);
    await page.waitForSelector(`${tile(TG)} .tg-floor[data-floor=taken]`);
    assert.equal(await page.textContent(`${tile(TG)} .tg-talker-alias`),
      'Bravo One');
    await page.waitForSelector(`${tile(TG)}[data-floor=idle]`,
      { timeout: 10000 });
    assert.deepEqual(page.errors, []);
  });

test('a patch made from the patch bar shows on both buttons and is ' +
  'dissolved there', async () => {
    await page.selectOption('#patch-a', TG);
    await page.selectOption('#patch-b', AW);
    await click('#patch-make');
    await page.waitForSelector(`${tile(TG)} .tg-patch-badge:text("Airwave Ops")`);
    await page.waitForSelector(`${tile(AW)} .tg-patch-badge:text("Lambeth Ops")`);
    await page.waitForSelector('#patch-list .patch-item');
    await click('#patch-list .patch-dissolve');
    await page.waitForSelector(`${tile(TG)} .tg-patch`, { state: 'hidden' });
    await page.waitForSelector(`${tile(AW)} .tg-patch`, { state: 'hidden' });
    assert.deepEqual(page.errors, []);
  });

test('messages: a radio text in the inbox, a canned status sent',
  async () => {
    await page.waitForSelector('#msg-form');
    assert.equal((await t.api('POST', '/v1/radios/2345/text',
      { text: 'Suspect heading north' })).status, 200);
    await page.waitForSelector('#msg-inbox .msg:has-text("Suspect heading ' +
      'north")');
    assert.match(await page.textContent('#msg-inbox .msg'), /Bravo One/);
    await page.fill('#msg-to', 'tetra:2345');
    await page.selectOption('#msg-status', '32771');
    await page.click('#msg-send');
    await page.waitForSelector('#msg-outbox .msg:has-text("At scene")');
    await waitFor(async () => (await t.state()).sent.some((m) =>
      m.to === '2345' && m.status === 32771), 5000, 'the radio got it');
    assert.deepEqual(page.errors, []);
  });

test('the map shows a radio where it reported itself', async () => {
  await page.waitForSelector('#map-svg');
  assert.equal((await t.api('POST', '/v1/radios/2345/location',
    { lat: 51.4975, lon: -0.1357 })).status, 200);
  await page.waitForSelector('#map-list li[data-radio="tetra:2345"]');
  assert.match(await page.textContent('#map-list li'),
    /Bravo One: 51\.497\d*, -0\.135\d*/);
  assert.equal(await page.locator('#map-svg .map-radio').count(), 1);
  assert.deepEqual(page.errors, []);
});

test('the Emergency button raises a TETRA emergency the network sees; the ' +
  "radio's cancel releases the button", async () => {
  await click(`${tile(TG)} .tg-emergency`);
  await waitFor(async () => (await t.group()).emergency === true, 5000,
    'the network has the emergency');
  await page.waitForSelector(
    `${tile(TG)} .tg-emergency[aria-pressed="true"]`);
  assert.equal((await t.api('POST', '/v1/radios/2345/emergency',
    { group: GSSI, cancel: true })).status, 200);
  await page.waitForSelector(
    `${tile(TG)} .tg-emergency[aria-pressed="false"]`);
  assert.deepEqual(page.errors, []);
});

test('a TETRA radio called from the radio-call panel by call sign (a ' +
  'second call: terminal busy); its call back answered with one click; ' +
  'the release cause shown',
async () => {
  await page.waitForSelector('#rcalls');
  // the terminal carries one call: the first test's group call ends first
  await waitFor(async () => (await t.state()).call.cci === 0, 10000,
    'the terminal free');
  await page.fill('#rcall-to', 'Bravo One');
  await page.click('#rcall-dial');
  await page.waitForSelector('.rcall[data-state="connected"]')
    .catch(async (err) => {
      throw new Error(`${err.message}\n${await page.innerHTML('#rcalls')}` +
        `\n${await page.innerHTML('body')}`.slice(0, 3000) + t.logs());
    });
  assert.equal((await t.state()).call.issi, '2345');
  await page.fill('#rcall-to', 'tetra:2345');
  await page.click('#rcall-dial');
  await page.waitForSelector('.toast-error:has-text("terminal busy")');
  await page.click('.rcall[data-state="connected"] .rcall-hangup');
  await waitFor(async () => (await t.state()).call.cci === 0, 5000,
    'the network released it');

  assert.equal((await t.api('POST', '/v1/radios/2345/call', {})).status,
    200);
  await page.click('.rcall[data-state="ringing"] .rcall-answer');
  await waitFor(async () => (await t.state()).call.ringing === false,
    5000, 'answered at the terminal');
  assert.equal((await t.api('POST', '/v1/radios/2345/hangup')).status, 200);
  await page.waitForSelector('.rcall[data-state="ended"]:has-text(' +
    '"user request (cause 1)")');
  assert.deepEqual(page.errors, []);
});
