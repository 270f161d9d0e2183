// Browser test: what the console shows and allows depends on the roles,
// and the server refuses what a role may not do even when the page asks.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { PASSWORD, RES, startIccs } from '../lib/harness.mjs';

let h;
let browser;

// Chromium trusts the test server's key and nothing else: TLS is really
// checked (ignoreHTTPSErrors would also make Chromium abort a handshake
// per connection first, a warning each in the daemon's log).
function launch(daemon) {
  const pem = fs.readFileSync(path.join(daemon.dir, 'server.pem'));
  const spki = crypto.createHash('sha256').update(new crypto.X509Certificate(
    pem).publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
  return chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--disable-gpu', '--disable-quic',
      `--ignore-certificate-errors-spki-list=${spki}`] });
}

before(async () => {
  h = await startIccs();
  await Promise.all([
    h.addOperator('cal', ['calltaker'], PASSWORD, { name: 'Cal Taker' }),
    h.addOperator('sue', ['supervisor'], PASSWORD, { name: 'Sue Super' }),
  ]);
  browser = await launch(h);
});

after(async () => {
  if (browser) await browser.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

async function loginAs(user, position) {
  const ctx = await browser.newContext({
    viewport: { width: 1920, height: 1080 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10000);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(`${h.url}/?position=${position}`);
  await page.waitForSelector('#login-position[data-loaded]');
  await page.fill('#login-user', user);
  await page.fill('#login-pass', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#link[data-state=open]');
  return { ctx, page };
}

const panels = (page) => page.$$eval('[data-panel]', (els) =>
  els.map((e) => e.dataset.panel));

// Send a request through the console's own WSS client; the error code
const viaConsole = (page, op, params) => page.evaluate(([o, p]) =>
  window.iccs.control.request(o, p).then(() => 0, (e) => e.code), [op, params]);

test('a call taker sees no admin or supervisor panel and is refused',
  async () => {
    const { ctx, page } = await loginAs('cal', 'P2');
    assert.deepEqual(await panels(page), ['position']);
    assert.equal(await page.$('#board'), null);
    assert.equal(await page.$('#operators'), null);

    assert.equal(await viaConsole(page, 'camera.ptz',
      { camera: RES.camera, pan: 0.5, tilt: 0, zoom: 0 }), 403);
    assert.equal(await viaConsole(page, 'operator.add', {
      username: 'eve', password: 'a long enough password', roles: ['admin'],
    }), 403);
    // every refused request is shown to the operator with its code
    await page.waitForSelector('.toast-error');
    assert.match(await page.textContent('.toast-error'), /403/);
    // and the link survives the refusals
    assert.equal(await page.getAttribute('#link', 'data-state'), 'open');
    assert.deepEqual(page.errors, []);
    await ctx.close();
  });

test('a supervisor sees the board but not the admin panel', async () => {
  const { ctx, page } = await loginAs('sue', 'P3');
  assert.deepEqual(await panels(page), ['supervisor', 'position']);
  await page.waitForSelector('.tile[data-position=P3][data-state=occupied]');
  assert.equal(await viaConsole(page, 'audit.verify', {}), 403);
  assert.deepEqual(page.errors, []);
  await ctx.close();
});
