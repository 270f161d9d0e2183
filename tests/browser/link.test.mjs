// Browser test of the control link: when iccsd goes away the console says
// so (red/amber indicator, banner) and reconnects by itself when it is
// back, keeping the session (the daemon restores sessions from its store).
import assert from 'node:assert/strict';
import { test, before, after } from 'node:test';
import { PASSWORD, startIccs } from '../lib/harness.mjs';
import { launchBrowser, loginInNewPage } from './lib.mjs';

let h;
let browser;

before(async () => {
  h = await startIccs();
  await h.addOperator('sam', ['supervisor'], PASSWORD, { name: 'Sam Super' });
  browser = await launchBrowser(h);
});

after(async () => {
  if (browser) await browser.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

test('the console reconnects after the daemon restarts', async () => {
  const { ctx, page } = await loginInNewPage(browser, h, 'sam', PASSWORD, 'P1');
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
  assert.deepEqual(page.errors, []);
  await ctx.close();
});
