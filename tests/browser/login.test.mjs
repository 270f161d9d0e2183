// Browser tests of the login page and the position screen (web/): a real
// iccsd from tests/lib/harness.mjs, Debian's Chromium via playwright-core.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { PASSWORD, ROOT, loginOk, startIccs } from '../lib/harness.mjs';
import {
  DESKTOP, launchBrowser, newPage, openLoginPage, submitLogin,
} from './lib.mjs';

const ATTEMPTS = 3;
const SHOTS = process.env.ICCS_SCREENSHOTS === '1';
let h;
let browser;

before(async () => {
  h = await startIccs({ lockoutAttempts: ATTEMPTS });
  await Promise.all([
    h.addOperator('dora', ['dispatcher'], PASSWORD, { name: 'Dora Dispatch' }),
    h.addOperator('wes', ['dispatcher']),
    h.addOperator('lou', ['calltaker'], PASSWORD, { name: 'Lou Locked' }),
    h.addOperator('ada', ['admin'], PASSWORD, { name: 'Ada Admin' }),
  ]);
  browser = await launchBrowser(h);
});

after(async () => {
  if (browser) await browser.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

// A fresh browser context (own storage) on the login page; page errors
// (uncaught exceptions in the console's code) are collected.
async function open(position = 'P1', viewport = DESKTOP) {
  const { ctx, page } = await newPage(browser, viewport);
  await openLoginPage(page, h, position);
  return { ctx, page };
}

// Submit the form and wait for its answer: the position view or a message
async function submit(page, user, password) {
  await page.evaluate(() => {
    delete document.getElementById('login-message').dataset.code;
  });
  await submitLogin(page, user, password);
  await page.waitForSelector('[data-view=position], #login-message[data-code]');
}

const code = (page) => page.getAttribute('#login-message', 'data-code');

test('a dispatcher logs in and sees the position screen', async () => {
  const { ctx, page } = await open('P1');
  assert.equal(await page.inputValue('#login-position'), 'P1',
    '?position=P1 preselects the position');
  await submit(page, 'dora', PASSWORD);
  await page.waitForSelector('[data-view=position]');
  await page.waitForSelector('#link[data-state=open]');
  assert.match(await page.textContent('#tb-operator'), /Dora Dispatch/);
  assert.match(await page.textContent('#tb-position'), /Lambeth 1/);
  assert.equal(await page.textContent('#position-operator'), 'Dora Dispatch');
  const panels = await page.$$eval('[data-panel]', (els) =>
    els.map((e) => e.dataset.panel));
  // the dispatch layout's intercom panel: dispatchers call positions too
  assert.deepEqual(panels, ['radio', 'messages', 'map', 'intercom', 'position'],
    'a dispatcher has the radio, messages, map and intercom panels and Position');

  // a reload keeps the session (token in sessionStorage, hello again)
  await page.reload();
  await page.waitForSelector('#link[data-state=open]');
  assert.equal(await page.textContent('#position-operator'), 'Dora Dispatch');

  // log out (with confirmation): back to the login page, P1 remembered
  await page.click('#logout');
  await page.click('dialog[open] .btn-danger');
  await page.waitForSelector('[data-view=login] #login-position[data-loaded]');
  assert.equal(await page.inputValue('#login-position'), 'P1');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0,
    'token left behind after logout');
  assert.deepEqual(page.errors, []);
  await ctx.close();
});

test('a login elsewhere ends the first console with the reason', async () => {
  const first = await open('P2');
  await submit(first.page, 'dora', PASSWORD);
  await first.page.waitForSelector('#link[data-state=open]');
  const second = await open('P3');
  await submit(second.page, 'dora', PASSWORD);
  await second.page.waitForSelector('#link[data-state=open]');
  // session.ended: back to login, saying why, without reconnecting
  await first.page.waitForSelector('[data-view=login] #login-message');
  assert.match(await first.page.textContent('#login-message'),
    /session has ended.*another position/s);
  assert.equal(await first.page.evaluate(() => sessionStorage.length), 0);
  assert.deepEqual(first.page.errors, []);
  await second.page.click('#logout');
  await second.page.click('dialog[open] .btn-danger');
  await second.page.waitForSelector('[data-view=login]');
  await first.ctx.close();
  await second.ctx.close();
});

test('a wrong password shows the error and stays on login', async () => {
  const { ctx, page } = await open('P2');
  await submit(page, 'wes', 'not the password at all');
  assert.equal(await code(page), '401');
  assert.match(await page.textContent('#login-message'),
    /Wrong username or password/);
  assert.equal(await page.$('[data-view=position]'), null);
  assert.ok(await page.$('[data-view=login]'));
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.deepEqual(page.errors, []);
  await ctx.close();
});

test('a position in use is refused with its own message', async () => {
  await loginOk(h, 'wes', PASSWORD, 'P4');   // over REST: P4 is taken
  const { ctx, page } = await open('P4');
  await submit(page, 'dora', PASSWORD);
  assert.equal(await code(page), '409');
  assert.match(await page.textContent('#login-message'),
    /in use by another operator/);
  assert.equal(await page.$('[data-view=position]'), null);
  await ctx.close();
});

test('lockout after repeated failures, also for the right password',
  async () => {
    const { ctx, page } = await open('P3');
    for (let i = 1; i <= ATTEMPTS; i++) {
      await submit(page, 'lou', `wrong password ${i}`);
      const c = await code(page);
      // the failure that reaches the limit may already answer "locked"
      assert.ok(c === '401' || (i === ATTEMPTS && c === '423'),
        `attempt ${i}: code ${c}`);
    }
    await submit(page, 'lou', 'wrong password again');
    assert.equal(await code(page), '423');
    assert.match(await page.textContent('#login-message'),
      /This account is locked/);
    await submit(page, 'lou', PASSWORD);
    assert.equal(await code(page), '423', 'right password let in while locked');
    assert.match(await page.textContent('#login-message'),
      /This account is locked/);
    assert.equal(await page.$('[data-view=position]'), null);
    assert.deepEqual(page.errors, []);
    await ctx.close();
  });

test('the console fits 1366x768 without horizontal scrolling', async () => {
  const W = 1366;
  const { ctx, page } = await open('P1', { width: W, height: 768 });
  const width = () => page.evaluate(() =>
    document.scrollingElement.scrollWidth);
  assert.ok(await width() <= W, `login page ${await width()} px wide`);
  await submit(page, 'ada', PASSWORD);
  await page.waitForSelector('#link[data-state=open]');
  // the admin layout is the widest: operators table, board, Position panel
  await page.waitForSelector('#operators-body tr');
  await page.waitForSelector('.tile[data-position=P1][data-state=occupied]');
  assert.ok(await width() <= W, `operators view ${await width()} px wide`);
  await page.click('#tab-audit');
  await page.waitForSelector('#audit-body tr');
  assert.ok(await width() <= W, `audit view ${await width()} px wide`);
  await page.click('#tab-operators');
  await page.click('#operator-add');
  await page.waitForSelector('dialog[open] #new-username');
  assert.ok(await width() <= W, `add-operator dialog ${await width()} px`);
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog[open]', { state: 'detached' });

  // keyboard: Alt+n focuses panel n, F1 lists the shortcuts, Esc closes,
  // Alt+L asks before logging out
  const focused = () => page.evaluate(() =>
    document.activeElement.closest('[data-panel]')?.dataset.panel);
  await page.keyboard.press('Alt+2');
  assert.equal(await focused(), 'supervisor');
  await page.keyboard.press('Alt+3');
  assert.equal(await focused(), 'position');
  await page.keyboard.press('F1');
  await page.waitForSelector('dialog[open] #shortcuts-list');
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  await page.keyboard.press('Alt+L');
  await page.waitForSelector('dialog[open] .btn-danger');
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  assert.ok(await page.$('[data-view=position]'), 'Esc still logged out');
  await page.keyboard.press('Alt+L');
  await page.click('dialog[open] .btn-danger');
  await page.waitForSelector('[data-view=login]');
  assert.deepEqual(page.errors, []);
  await ctx.close();
});

test('login page screenshot', { skip: !SHOTS && 'ICCS_SCREENSHOTS=1 not set' },
  async () => {
    const { ctx, page } = await open('P2');
    await page.waitForSelector('#login-place');
    await page.screenshot({ path: path.join(ROOT, 'docs',
      'screenshot-login.png') });
    await ctx.close();
  });
