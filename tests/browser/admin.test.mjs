// Browser test of the operator administration in the admin panel: every
// action goes through the console's forms and dialogs to a real iccsd, and
// its effect is checked from outside with a login over REST.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { PASSWORD, login, startIccs } from '../lib/harness.mjs';

const NEW_PW = 'a brand new pass phrase';
let h;
let browser;
let page;

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
  await h.addOperator('ada', ['admin'], PASSWORD, { name: 'Ada Admin' });
  browser = await launch(h);
  const ctx = await browser.newContext({
    viewport: { width: 1920, height: 1080 } });
  page = await ctx.newPage();
  page.setDefaultTimeout(10000);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(`${h.url}/?position=P1`);
  await page.waitForSelector('#login-position[data-loaded]');
  await page.fill('#login-user', 'ada');
  await page.fill('#login-pass', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#operators-body tr[data-username=ada]');
});

after(async () => {
  if (browser) await browser.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

const row = (user) => `#operators-body tr[data-username="${user}"]`;
const status = (user) => page.textContent(`${row(user)} .pill`);
// The HTTP status of a login over REST. Each login at P4 replaces the
// operator's previous session there, so no logout is needed in between.
const tryLogin = async (user, pw) => (await login(h, user, pw, 'P4')).status;

test('add an operator with the form', async () => {
  await page.click('#operator-add');
  await page.fill('#new-username', 'nina');
  await page.fill('#new-name', 'Nina <b>New</b>');
  await page.check('#new-role-calltaker');
  await page.check('#new-role-cctv');
  await page.fill('#new-ptz', '70');
  await page.fill('#new-skills', 'welsh');
  await page.fill('#new-pw1', NEW_PW);
  await page.fill('#new-pw2', 'something else entirely');
  await page.click('#new-submit');
  assert.match(await page.textContent('dialog[open] .form-error'),
    /passwords differ/);
  await page.fill('#new-pw2', NEW_PW);
  await page.click('#new-submit');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  await page.waitForSelector(row('nina'));
  const text = await page.textContent(row('nina'));
  assert.match(text, /Nina <b>New<\/b>/, 'display name shown as text');
  assert.match(text, /Call taker/);
  assert.match(text, /CCTV/);
  assert.equal(await page.$(`${row('nina')} b`), null, 'markup injected');
  assert.equal(await status('nina'), 'Active');
  assert.equal(await tryLogin('nina', NEW_PW), 201);
});

test('lock and unlock', async () => {
  await page.click(`${row('nina')} button:text-is("Lock")`);
  await page.waitForFunction((sel) =>
    document.querySelector(sel)?.textContent === 'Locked',
  `${row('nina')} .pill`);
  assert.equal(await tryLogin('nina', NEW_PW), 423);
  await page.click(`${row('nina')} button:text-is("Unlock")`);
  await page.waitForFunction((sel) =>
    document.querySelector(sel)?.textContent === 'Active',
  `${row('nina')} .pill`);
  assert.equal(await tryLogin('nina', NEW_PW), 201);
});

test('reset a password', async () => {
  await page.click(`${row('nina')} button:text-is("Password…")`);
  await page.fill('#reset-pw1', PASSWORD);
  await page.fill('#reset-pw2', PASSWORD);
  await page.click('dialog[open] button[type=submit]');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  await page.waitForSelector('.toast-ok');
  assert.equal(await tryLogin('nina', NEW_PW), 401);
  assert.equal(await tryLogin('nina', PASSWORD), 201);
});

test('remove, after confirming', async () => {
  await page.click(`${row('nina')} button:text-is("Remove…")`);
  await page.keyboard.press('Escape');   // cancel: nothing happens
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  assert.ok(await page.$(row('nina')));
  await page.click(`${row('nina')} button:text-is("Remove…")`);
  await page.click('dialog[open] .btn-danger');
  await page.waitForSelector(row('nina'), { state: 'detached' });
  assert.equal(await tryLogin('nina', PASSWORD), 401);
  assert.ok(await page.$(row('ada')), 'own account still listed');
  assert.equal(await page.$(`${row('ada')} button:text-is("Remove…")`), null,
    'an admin can not remove their own account from the console');
  assert.deepEqual(page.errors, []);
});
