// Browser test of the radio panel against iccsd registered at the
// simulated ESN (iccs-sim esn), set up as tests/system/esn.test.mjs does:
// the talkgroup button shows the group call, who talks (alias big, id
// small), GRANTED on PTT by Space with the permission tone, an emergency
// banner whose Acknowledge lists the operator, and radio text messages.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, before, after } from 'node:test';
import {
  BUILD, MKCERTS, PASSWORD, RES, freePort, makeTempDir, run, startIccs,
  waitFor,
} from '../lib/harness.mjs';
import { launchBrowser, loginInNewPage } from './lib.mjs';

const SIM = path.join(BUILD, 'sim', 'iccs-sim');
const DOMAIN = 'esn.test';
const GROUP = `sip:lambeth-ops@${DOMAIN}`;     // the harness's talkgroup
const ME = `sip:disp1@${DOMAIN}`;
const TG = RES.talkgroup;
const tile = `.tg[data-talkgroup="${TG}"]`;

let dir;
let sim;
let simOut = '';
let httpPort;
let h;
let browser;
let page;

async function api(method, p, body) {
  const r = await fetch(`http://127.0.0.1:${httpPort}${p}`, {
    method, body: body ? JSON.stringify(body) : undefined,
    headers: body ? { 'content-type': 'application/json' } : {},
  });
  return { status: r.status, json: r.status === 200 ? await r.json() : null };
}

before(async () => {
  dir = await makeTempDir('iccs-esn-web-');
  for (const a of [[dir], [dir, '--client', 'd1']]) {
    const r = await run(MKCERTS, a);
    assert.equal(r.code, 0, r.stderr);
  }
  const sipPort = await freePort();
  httpPort = await freePort();
  const conf = path.join(dir, 'esn.yaml');
  fs.writeFileSync(conf, [
    `listen: 127.0.0.1:${sipPort}`, `domain: ${DOMAIN}`,
    `tls: {cert: ${dir}/server.pem, ca: ${dir}/ca.crt}`,
    `http: 127.0.0.1:${httpPort}`, 'time_limit: 30',
    'groups:', `  - {uri: "${GROUP}", name: Lambeth Ops}`,
    'radios:', `  - {id: r1, alias: Lima Two One, groups: ["${GROUP}"],` +
      ' priority: 5, speech: "Lima two one, all quiet"}',
    'dispatchers:', `  - {mcptt_id: "${ME}", cn: d1}`, ''].join('\n'));
  sim = spawn(SIM, ['esn', '--config', conf],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  sim.stdout.on('data', (d) => { simOut += d; });
  sim.stderr.on('data', (d) => { simOut += d; });
  await waitFor(() => simOut.includes('esn: ready'), 15000, 'sim ready');

  h = await startIccs({
    configPatch: (t) => t + [
      'esn:', `  server: "127.0.0.1:${sipPort}"`, `  domain: ${DOMAIN}`,
      `  mcptt_id: "${ME}"`, `  client_cert: ${dir}/client-d1.pem`,
      `  ca: ${dir}/ca.crt`, '  priority: 5',
      'directory:', `  - {id: "sip:r1@${DOMAIN}", alias: Lima Two One}`,
      ''].join('\n'),
  });
  await h.addOperator('dora', ['dispatcher'], PASSWORD,
    { name: 'Dora Finch' });
  await waitFor(async () => {
    const s = (await api('GET', '/v1/state')).json;
    return s.registrations.some((r) => r.mcptt_id === ME);
  }, 10000, 'registration of the node at the ESN');
  browser = await launchBrowser(h);
  ({ page } = await loginInNewPage(browser, h, 'dora', PASSWORD, 'P1'));
});

after(async () => {
  if (browser) await browser.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
  if (sim && sim.exitCode === null) {
    process.kill(sim.pid, 'SIGTERM');
    await waitFor(() => sim.exitCode !== null, 5000, 'sim exit')
      .catch(() => process.kill(sim.pid, 'SIGKILL'));
  }
  if (dir && process.env.ICCS_KEEP_DIRS !== '1') {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('monitoring joins the group call; the talker is shown on the button',
  async () => {
    await page.waitForSelector(`${tile} .tg-badge:text("ESN")`);
    await page.click(`${tile} .tg-monitor`);
    await page.waitForSelector(`${tile} .tg-group[data-group=joined]`);
    await page.waitForSelector(`${tile} .tg-floor[data-floor=idle]`);

    // what the server says about the floor, as the page received it
    await page.evaluate((tg) => {
      window.takenFloors = [];
      window.iccs.control.on('radio.floor', (d) => {
        if (d.talkgroup === tg && d.floor.state === 'taken') {
          window.takenFloors.push(d.floor);
        }
      });
    }, TG);
    assert.equal((await api('POST', '/v1/radios/r1/talk',
      { group: GROUP, seconds: 2 })).status, 200);
    await page.waitForSelector(`${tile} .tg-floor[data-floor=taken]`);
    const floor = await page.evaluate(() => window.takenFloors[0]);
    assert.ok(floor, 'the page got no radio.floor taken');
    // the fleet directory names r1: its call sign big, its id small
    assert.match(floor.talker, /r1/);
    assert.equal(floor.alias, 'Lima Two One');
    const big = await page.textContent(`${tile} .tg-talker-alias`);
    assert.equal(big, 'Lima Two One');
    assert.match(await page.textContent(`${tile} .tg-floor`),
      /^Taken by .*r1/);
    await page.waitForSelector(`${tile}[data-floor=idle]`,
      { timeout: 15000 });
    assert.deepEqual(page.errors, []);
  });

test('PTT by Space shows GRANTED on the button and the PTT', async () => {
  await page.click(`${tile} .tg-select`);
  await page.waitForSelector(`${tile}.tg-selected`);
  await page.keyboard.down('Space');
  await page.waitForSelector('#ptt[data-floor=granted]');
  assert.equal(await page.textContent('#ptt'), 'GRANTED');
  assert.equal(await page.textContent(`${tile} .tg-floor`), 'GRANTED — TX');
  // the permission tone went to the headset once
  assert.equal(await page.getAttribute('.radio', 'data-permission-tones'),
    '1');
  await page.keyboard.up('Space');
  await page.waitForSelector('#ptt[data-state=idle]');
  await page.waitForSelector(`${tile}:is([data-floor=idle],` +
    '[data-floor=released])');
  assert.notEqual(await page.textContent('#ptt'), 'GRANTED');
  assert.deepEqual(page.errors, []);
});

test('a radio emergency shows the banner; Acknowledge lists the operator',
  async () => {
    assert.equal((await api('POST', '/v1/radios/r1/emergency',
      { group: GROUP, on: true })).status, 200);
    const row = `#radio-emergency .em-row[data-talkgroup="${TG}"]`;
    await page.waitForSelector(row);
    assert.equal(await page.textContent(`${row} .em-what`), 'Lambeth Ops');
    assert.match(await page.textContent(`${row} .em-by`), /r1/);
    assert.match(await page.textContent(`${row} .em-acks`),
      /Not acknowledged/);
    // across the top of the console, not inside the radio panel
    assert.equal(await page.$eval('#radio-emergency',
      (el) => el.parentElement.dataset.view), 'position');

    await page.click(`${row} .em-ack`);
    await page.waitForSelector(`${row} .em-acks[data-count="1"]`);
    assert.equal(await page.textContent(`${row} .em-acks`),
      'Acknowledged by dora');
    assert.equal(await page.isDisabled(`${row} .em-ack`), true);

    await api('POST', '/v1/radios/r1/emergency', { group: GROUP, on: false });
    await page.waitForSelector('#radio-emergency', { state: 'hidden' });
    assert.equal(await page.$(row), null);
    assert.deepEqual(page.errors, []);
  });

test('a radio text message appears in the panel log', async () => {
  const r = await api('POST', '/v1/radios/r1/text',
    { to: ME, text: 'Suspect <b>left</b> northbound' });
  assert.equal(r.status, 200);
  await page.waitForSelector('#radio-messages .radio-msg[data-type=text]');
  assert.equal(await page.textContent(
    '#radio-messages .radio-msg .radio-msg-text'),
  'Suspect <b>left</b> northbound');
  assert.match(await page.textContent('#radio-messages .radio-msg-from'),
    /r1/);
  assert.deepEqual(page.errors, []);
});
