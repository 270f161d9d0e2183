// Browser tests of the supervisor board and the admin panel against a
// real iccsd: live position updates, the audit trail and its verification,
// including after the store was tampered with.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { PASSWORD, ROOT, sqlite, startIccs } from '../lib/harness.mjs';
import { launchBrowser, loginInNewPage } from './lib.mjs';

const SHOTS = process.env.ICCS_SCREENSHOTS === '1';
let h;
let browser;
let sup;     // the supervisor's console, open through every test
let adm;     // the admin's console, from the audit test on

before(async () => {
  h = await startIccs();
  await Promise.all([
    h.addOperator('sam', ['supervisor'], PASSWORD, { name: 'Sgt Sam Moore' }),
    h.addOperator('cal', ['calltaker'], PASSWORD, { name: 'Cal Taylor' }),
    h.addOperator('ada', ['admin'], PASSWORD, { name: 'Insp. Ada Kerr' }),
  ]);
  browser = await launchBrowser(h);
});

after(async () => {
  if (browser) await browser.close();   // closes every context still open
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

// Each console is its own browser context: own storage, own session
const loginAs = (user, position) =>
  loginInNewPage(browser, h, user, PASSWORD, position);

const tile = (page, id) => `.tile[data-position=${id}]`;

async function logout(page) {
  await page.click('#logout');
  await page.click('dialog[open] .btn-danger');
  await page.waitForSelector('[data-view=login]');
}

test('the board shows P2 occupied and free again, live', async () => {
  sup = await loginAs('sam', 'P1');
  const page = sup.page;
  await page.waitForSelector(`${tile(page, 'P1')}[data-state=occupied]`);
  await page.waitForSelector(`${tile(page, 'P2')}[data-state=free]`);
  assert.match(await page.textContent(tile(page, 'P1')), /Sgt Sam Moore/);
  const sites = await page.$$eval('.site', (els) =>
    els.map((e) => e.dataset.site));
  assert.deepEqual(sites, ['lambeth', 'hendon']);
  assert.ok(await page.$(`${tile(page, 'P4')} .badge-spare`), 'P4 is spare');
  // a marker that a reload would wipe
  await page.evaluate(() => { window.sameDocument = true; });

  const ct = await loginAs('cal', 'P2');
  await page.waitForSelector(`${tile(page, 'P2')}[data-state=occupied]`);
  const text = await page.textContent(tile(page, 'P2'));
  assert.match(text, /Cal Taylor/);
  assert.match(text, /Call taker/);
  assert.match(text, /since/);
  await page.waitForFunction(() =>
    document.querySelector('#board-sessions b').textContent === '2');

  await logout(ct.page);
  await page.waitForSelector(`${tile(page, 'P2')}[data-state=free]`);
  assert.doesNotMatch(await page.textContent(tile(page, 'P2')), /Cal Taylor/);
  assert.equal(await page.evaluate(() => window.sameDocument), true,
    'the board reloaded the page');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(ct.page.errors, []);
  await ct.ctx.close();
});

const auditRows = (page) => page.$$eval('#audit-body tr', (trs) =>
  trs.map((tr) => [...tr.cells].map((td) => td.textContent)));

test('admin sees the audit of those logins and an intact chain',
  async () => {
    adm = await loginAs('ada', 'P3');
    const page = adm.page;
    await page.click('#tab-audit');
    await page.waitForSelector('#audit-body tr');
    const rows = await auditRows(page);
    const logins = rows.filter((r) => r[4] === 'login');
    for (const who of ['sam', 'cal', 'ada']) {
      assert.ok(logins.some((r) => r[2] === who), `no login of ${who}`);
    }
    const seqs = rows.map((r) => Number(r[0]));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), 'newest first');

    await page.click('#audit-verify-btn');
    await page.waitForSelector('#audit-verify[data-ok]');
    const text = await page.textContent('#audit-verify');
    const m = /Audit chain intact: (\d+) entries/.exec(text);
    assert.ok(m, text);
    assert.ok(Number(m[1]) >= Math.max(...seqs), text);
    assert.deepEqual(page.errors, []);
  });

test('a new login appears on top of the audit view, live', async () => {
  const page = adm.page;
  const top = Number(await page.getAttribute('#audit-body tr', 'data-seq'));
  const ct = await loginAs('cal', 'P2');
  if (SHOTS) {
    for (const id of ['P1', 'P2', 'P3']) {
      await sup.page.waitForSelector(`${tile(sup.page, id)}` +
        '[data-state=occupied]');
    }
    await sup.page.waitForFunction(() =>
      document.querySelector('#board-sessions b').textContent === '3');
    await sup.page.screenshot({ path: path.join(ROOT, 'docs',
      'screenshot-supervisor.png') });
  }
  await logout(ct.page);
  await ct.ctx.close();
  await page.waitForFunction((t) => {
    const tr = document.querySelector('#audit-body tr');
    return [...document.querySelectorAll('#audit-body tr')].some((r) =>
      Number(r.dataset.seq) > t && r.cells[2].textContent === 'cal' &&
      r.cells[4].textContent === 'login') && Number(tr.dataset.seq) > t;
  }, top);
  const seqs = (await auditRows(page)).map((r) => Number(r[0]));
  assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), 'newest first');
  assert.deepEqual(page.errors, []);
});

test('after tampering with the store, Verify chain reports seq 2',
  async () => {
    sqlite(h.storePath, "update audit set actor='mallory' where seq=2");
    const page = adm.page;
    await page.click('#audit-verify-btn');
    await page.waitForSelector('#audit-verify[data-ok=false]');
    assert.match(await page.textContent('#audit-verify'),
      /Audit chain BROKEN/);
    await page.waitForSelector('#audit-verify li[data-seq="2"]');
    assert.match(await page.textContent('#audit-verify li[data-seq="2"]'),
      /seq 2/);
    assert.deepEqual(page.errors, []);
    assert.deepEqual(sup.page.errors, []);
  });
