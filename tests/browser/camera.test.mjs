// Browser test of the CCTV panel against iccsd and the simulated cameras
// (iccs-sim cameras): selecting a camera renders its picture (pixels read
// back from the <video>), PTZ left visibly shifts the picture the right
// way, and a higher-priority colleague takes the lock with a message to
// the first operator; a camera sent to the video wall appears on the wall
// page, which follows changes live.
import assert from 'node:assert/strict';
import { test, before, after } from 'node:test';
import { PASSWORD, startIccs, waitFor, freePort } from '../lib/harness.mjs';
import { startCameras, camerasYaml, replaceCameras }
  from '../lib/cameras.mjs';
import { launchBrowser, loginInNewPage } from './lib.mjs';

let sim; let h; let browser; let vic; let sue;

before(async () => {
  const disc = await freePort();
  // the third camera is only found by WS-Discovery (and adopted)
  sim = await startCameras({ count: 3, names: ['Alpha', 'Bravo', 'Delta'],
    args: ['--discovery', `127.0.0.1:${disc}`] });
  h = await startIccs({
    configPatch: (t) => replaceCameras(t, camerasYaml(sim, [
      { id: 'cam-a', name: 'Alpha Street', idx: 1, onvif: true, rtsp: true,
        ptz: true },
      { id: 'cam-b', name: 'Bravo Yard', idx: 2, rtsp: true },
    ]) + `wall_tiles:
  - {id: tile-1, name: Wall 1, roles: [cctv, supervisor], wall: main, index: 1}
  - {id: tile-2, name: Wall 2, roles: [cctv, supervisor], wall: main, index: 2}
cctv:
  discovery: "127.0.0.1:${disc}"
`),
  });
  await h.addOperator('vic', ['cctv'], PASSWORD, { ptzPriority: 10 });
  await h.addOperator('sue', ['supervisor'], PASSWORD, { ptzPriority: 50 });
  await h.addOperator('ann', ['supervisor', 'admin']);
  browser = await launchBrowser(h,
    ['--autoplay-policy=no-user-gesture-required']);
  vic = await loginInNewPage(browser, h, 'vic', PASSWORD, 'P1');
});

after(async () => {
  if (browser) await browser.close();
  if (h) assert.equal(await h.stop(), 0, h.logs().slice(-3000));
  if (sim) await sim.stop();
});

// One row of the active tile's picture as RGB triples (drawn from the
// <video> into a canvas in the page)
function row(page, y = 100) {
  return page.evaluate((yy) => {
    const v = document.querySelector('.cam-tile.cam-active video');
    if (!v || v.readyState < 2 || !v.videoWidth) return null;
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d');
    g.drawImage(v, 0, 0);
    return Array.from(g.getImageData(0, yy, c.width, 1).data)
      .filter((_, i) => i % 4 !== 3);
  }, y);
}

// Colour bars: count the distinct strong colours along the row
function bars(rgb) {
  const seen = new Set();
  for (let i = 0; i < rgb.length; i += 3) {
    const key = rgb.slice(i, i + 3).map((c) => (c > 128 ? 1 : 0)).join('');
    seen.add(key);
  }
  return seen.size;
}

// Horizontal shift (px) that best maps before onto after: positive when
// the content moved right
function shiftOf(before, after) {
  const w = before.length / 3;
  let best = { s: 0, d: Infinity };
  for (let s = -300; s <= 300; s++) {
    let d = 0; let n = 0;
    for (let x = Math.max(0, -s); x < Math.min(w, w - s); x += 2) {
      for (let k = 0; k < 3; k++) {
        d += Math.abs(before[3 * x + k] - after[3 * (x + s) + k]);
      }
      n++;
    }
    if (n > w / 4 && d / n < best.d) best = { s, d: d / n };
  }
  return best;
}

test('selecting a camera renders its picture', async () => {
  const { page } = vic;
  await page.click('.cam-item[data-camera="cam-a"]');
  const px = await waitFor(async () => {
    const r = await row(page);
    return r && bars(r) >= 4 && r;
  }, 10000, 'colour bars in the video');
  assert.equal(px.length, 640 * 3);
  const tileState = await page.getAttribute('.cam-tile.cam-active',
    'data-state');
  assert.equal(tileState, 'live');
  assert.match(await page.textContent('#cam-switch'), /first frame \d+ ms/);
  assert.deepEqual(page.errors, []);
});

test('PTZ left visibly shifts the picture to the right', async () => {
  const { page } = vic;
  const before = await row(page);
  const pan0 = (await sim.state()).cameras[0].pan_milli;
  const btn = await page.$('button[data-ptz="left"]');
  const box = await btn.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await waitFor(async () => (await sim.state()).cameras[0].pan_milli <
    pan0 - 100, 5000, 'camera panning left');
  await page.mouse.up();
  await waitFor(async () => !(await sim.state()).cameras[0].moving, 5000,
    'camera stopped');
  assert.match(await page.textContent('#cam-lock'), /You control/);
  const shifted = await waitFor(async () => {
    const r = await row(page);
    const s = r && shiftOf(before, r);
    return s && s.s > 10 && s;
  }, 5000, 'the picture shifted right');
  assert.ok(shifted.d < 20, `poor match ${JSON.stringify(shifted)}`);
});

test('dragging on the picture steers like a joystick', async () => {
  const { page } = vic;
  const box = await (await page.$('.cam-tile.cam-active')).boundingBox();
  const pan0 = (await sim.state()).cameras[0].pan_milli;
  const x = box.x + box.width / 2; const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(x + 30 * i, y);
  await waitFor(async () => (await sim.state()).cameras[0].pan_milli >
    pan0 + 100, 5000, 'camera panning right');
  await page.mouse.up();
  await waitFor(async () => !(await sim.state()).cameras[0].moving, 5000,
    'camera stopped on release');
});

test('presets: save the view, move away, go back to it', async () => {
  const { page } = vic;
  const here = (await sim.state()).cameras[0].pan_milli;
  await page.fill('input[aria-label="New preset name"]', 'Gate');
  await page.click('#cam-preset-set');
  await page.waitForSelector('select.cam-presets option:text("Gate")',
    { state: 'attached' });
  // hold "right" until the camera has moved away, then let go
  const box = await (await page.$('button[data-ptz="right"]')).boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await waitFor(async () => (await sim.state()).cameras[0].pan_milli >
    here + 50, 5000, 'moving away');
  await page.mouse.up();
  await waitFor(async () => !(await sim.state()).cameras[0].moving, 5000,
    'stopped away from the preset');
  const opt = await page.$eval('select.cam-presets option:last-child',
    (o) => o.value);
  await page.selectOption('select.cam-presets', opt);
  await page.click('#cam-preset-go');
  await waitFor(async () => (await sim.state()).cameras[0].pan_milli ===
    here, 5000, 'back at the preset');
});

async function snapshotFile(page) {
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    page.click('#cam-snapshot'),
  ]);
  const buf = (await import('node:fs')).readFileSync(await dl.path());
  return { name: dl.suggestedFilename(), buf };
}

test('snapshot: the camera\'s own JPEG (ONVIF, through iccsd)',
  async () => {
  const { page } = vic;
  const n0 = (await sim.state()).cameras[0].snapshots;
  const a = await snapshotFile(page);
  assert.match(a.name, /^cam-a-.*\.jpg$/);
  assert.deepEqual([...a.buf.subarray(0, 3)], [0xff, 0xd8, 0xff]);  // JPEG
  assert.ok(a.buf.length > 5000, `${a.buf.length} bytes`);
  assert.equal((await sim.state()).cameras[0].snapshots, n0 + 1);
});

test('discovery: an admin adopts a found device; it is listed for ' +
  'everyone and shows its picture.  Snapshot of a camera without ONVIF: ' +
  'the frame shown, as PNG', async () => {
  const ann = await loginInNewPage(browser, h, 'ann', PASSWORD, 'P3');
  const ap = ann.page;
  // (Chromium lets a page download once without asking: a new page)
  await ap.click('.cam-item[data-camera="cam-b"]');
  await ap.waitForSelector('.cam-tile.cam-active[data-state="live"]' +
    '[data-camera="cam-b"]', { timeout: 15000 });
  const b = await snapshotFile(ap);
  assert.match(b.name, /^cam-b-.*\.png$/);
  assert.deepEqual([...b.buf.subarray(1, 4)], [0x50, 0x4e, 0x47]);  // PNG
  await ap.click('#cam-discover');
  const adopt = ap.locator('#cam-disc [data-adopt="cam-delta"]');
  await adopt.waitFor({ timeout: 10000 });
  // a configured ONVIF camera is named, not offered
  assert.equal(await ap.locator('#cam-disc .pill:text("cam-a")').count(), 1);
  assert.equal(await ap.locator('#cam-disc [data-adopt="cam-alpha"]')
    .count(), 0);
  await adopt.click();
  await ap.waitForSelector('#cam-disc .pill:text("cam-delta")',
    { timeout: 15000 });
  // vic (no admin) sees it in the list, and its picture
  const item = vic.page.locator('.cam-item[data-camera="cam-delta"]');
  await item.waitFor({ timeout: 10000 });
  await item.click();
  await vic.page.waitForSelector('.cam-tile.cam-active[data-state="live"]' +
    '[data-camera="cam-delta"]', { timeout: 15000 });
  await vic.page.click('.cam-item[data-camera="cam-a"]');
  await vic.page.waitForSelector('.cam-tile.cam-active[data-state="live"]' +
    '[data-camera="cam-a"]');
  await ap.close();
});

test('a higher-priority colleague takes the lock; the first is told',
  async () => {
    sue = await loginInNewPage(browser, h, 'sue', PASSWORD, 'P2');
    const sp = sue.page;
    await sp.click('.cam-item[data-camera="cam-a"]');
    await sp.waitForSelector('.cam-tile.cam-active[data-state="live"]');
    await vic.page.click('button[data-ptz="up"]');   // vic holds it
    await waitFor(async () => /You control/.test(
      await vic.page.textContent('#cam-lock')), 5000, 'vic holds the lock');
    await sp.click('button[data-ptz="right"]');
    await waitFor(async () => /You control/.test(
      await sp.textContent('#cam-lock')), 5000, 'sue holds the lock');
    await vic.page.waitForSelector('.toast:has-text("PTZ control lost")');
    assert.match(await vic.page.textContent('.toast:has-text("PTZ")'),
      /sue took control of Alpha Street/);
    assert.match(await vic.page.textContent('#cam-lock'),
      /Controlled by sue \(P2\)/);
    assert.deepEqual(vic.page.errors, []);
    assert.deepEqual(sp.errors, []);
  });

test('4-way view: two cameras live side by side', async () => {
  const { page } = vic;
  await page.click('button[data-layout="4"]');
  assert.equal(await page.$$eval('.cam-tile', (t) => t.length), 4);
  // tile 0 keeps its camera; pick tile 1 and give it the other camera
  await page.click('.cam-tile[data-tile="1"]');
  await page.click('.cam-item[data-camera="cam-b"]');
  await page.waitForSelector(
    '.cam-tile[data-tile="1"][data-camera="cam-b"][data-state="live"]');
  await page.waitForSelector(
    '.cam-tile[data-tile="0"][data-camera="cam-a"][data-state="live"]');
  const widths = await page.$$eval('.cam-tile video',
    (vs) => vs.slice(0, 2).map((v) => v.videoWidth));
  assert.deepEqual(widths, [640, 640]);
  await page.click('button[data-layout="1"]');
  assert.equal(await page.$$eval('.cam-tile', (t) => t.length), 1);
});

test('a camera sent to the wall shows on the wall page, live', async () => {
  const { page } = vic;
  await page.waitForSelector(
    'select[data-tile="tile-1"] option[value="cam-b"]', { state: 'attached' });
  const [wallPage] = await Promise.all([
    page.waitForEvent('popup'),
    page.click('button[data-wall="main"]'),
  ]);
  wallPage.errors = [];
  wallPage.on('pageerror', (e) => wallPage.errors.push(e.message));
  await wallPage.waitForSelector('#wall-grid[data-ready="true"]');
  assert.equal(await wallPage.$$eval('.wall-tile', (t) => t.length), 2);
  await page.selectOption('select[data-tile="tile-1"]', 'cam-b');
  await wallPage.waitForSelector(
    '.wall-tile[data-tile="tile-1"][data-camera="cam-b"][data-state="live"]');
  await page.selectOption('select[data-tile="tile-2"]', 'cam-a');
  await wallPage.waitForSelector(
    '.wall-tile[data-tile="tile-2"][data-camera="cam-a"][data-state="live"]');
  // the picture is there: the video has decoded frames
  const w = await wallPage.$eval('.wall-tile[data-tile="tile-2"] video',
    (v) => v.videoWidth);
  assert.equal(w, 640);
  assert.deepEqual(wallPage.errors, []);
  await wallPage.close();
});
