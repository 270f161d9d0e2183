// Browser test: what the console shows and allows depends on the roles,
// and the server refuses what a role may not do even when the page asks.
import assert from 'node:assert/strict';
import { test, before, after } from 'node:test';
import { PASSWORD, RES, startIccs } from '../lib/harness.mjs';
import { launchBrowser, loginInNewPage } from './lib.mjs';

let h;
let browser;

before(async () => {
  h = await startIccs();
  await Promise.all([
    h.addOperator('cal', ['calltaker'], PASSWORD, { name: 'Cal Taker' }),
    h.addOperator('sue', ['supervisor'], PASSWORD, { name: 'Sue Super' }),
  ]);
  browser = await launchBrowser(h);
});

after(async () => {
  if (browser) await browser.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

const loginAs = (user, position) =>
  loginInNewPage(browser, h, user, PASSWORD, position);

const panels = (page) => page.$$eval('[data-panel]', (els) =>
  els.map((e) => e.dataset.panel));

// Send a request through the console's own WSS client; the error code
const viaConsole = (page, op, params) => page.evaluate(([o, p]) =>
  window.iccs.control.request(o, p).then(() => 0, (e) => e.code), [op, params]);

test('a call taker sees no admin or supervisor panel and is refused',
  async () => {
    const { ctx, page } = await loginAs('cal', 'P2');
    const mine = await panels(page);
    assert.ok(mine.includes('calls') && mine.includes('position'),
      mine.join());
    for (const p of ['admin', 'supervisor', 'radio', 'cctv']) {
      assert.ok(!mine.includes(p), `${p} shown to a call taker: ${mine}`);
    }
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
  const mine = await panels(page);
  assert.deepEqual(mine.slice(0, 2), ['supervisor', 'calls'], mine.join());
  assert.ok(mine.includes('radio') && !mine.includes('admin'), mine.join());
  await page.waitForSelector('.tile[data-position=P3][data-state=occupied]');
  assert.equal(await viaConsole(page, 'audit.verify', {}), 403);
  assert.deepEqual(page.errors, []);
  await ctx.close();
});
