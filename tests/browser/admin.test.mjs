// Browser test of the operator administration in the admin panel: every
// action goes through the console's forms and dialogs to a real iccsd, and
// its effect is checked from outside with a login over REST.
import assert from 'node:assert/strict';
import { test, before, after } from 'node:test';
import { PASSWORD, login, startIccs } from '../lib/harness.mjs';
import { launchBrowser, loginThroughPage, newPage } from './lib.mjs';

const NEW_PW = 'a brand new pass phrase';
let h;
let browser;
let page;

before(async () => {
  h = await startIccs();
  await h.addOperator('ada', ['admin'], PASSWORD, { name: 'Ada Admin' });
  browser = await launchBrowser(h);
  ({ page } = await newPage(browser));
  await loginThroughPage(page, h, 'ada', PASSWORD, 'P1');
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
