// Browser test of the control link: when iccsd goes away the console says
// so (red/amber indicator, banner) and reconnects by itself when it is
// back, keeping the session (the daemon restores sessions from its store).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { PASSWORD, startIccs } from '../lib/harness.mjs';

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
  await h.addOperator('sam', ['supervisor'], PASSWORD, { name: 'Sam Super' });
  browser = await launch(h);
});

after(async () => {
  if (browser) await browser.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

test('the console reconnects after the daemon restarts', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${h.url}/?position=P1`);
  await page.waitForSelector('#login-position[data-loaded]');
  await page.fill('#login-user', 'sam');
  await page.fill('#login-pass', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#link[data-state=open][data-color=green]');
  await page.waitForSelector('.tile[data-position=P1][data-state=occupied]');
  await page.evaluate(() => { window.sameDocument = true; });

  await h.stop();
  await page.waitForSelector('#banner:not([hidden])');
  assert.match(await page.textContent('#banner'), /reconnecting/i);
  assert.match(await page.getAttribute('#link', 'data-color'), /^(red|amber)$/);

  await h.start();
  // backoff is at most 5 s between attempts
  await page.waitForSelector('#link[data-state=open]', { timeout: 15000 });
  await page.waitForSelector('#banner', { state: 'hidden' });
  assert.equal(await page.evaluate(() => window.sameDocument), true);
  // the board was reloaded on reconnect: P1 is still ours
  await page.waitForSelector('.tile[data-position=P1][data-state=occupied]');
  assert.match(await page.textContent('.tile[data-position=P1]'), /Sam Super/);
  assert.deepEqual(errors, []);
  await ctx.close();
});
