// CCTV operations beyond live view (issue 7, second part), against the
// simulated cameras: ONVIF GetServices (and the GetCapabilities fallback
// of an older device), the camera's own JPEG through iccsd, cameras added
// and removed by a SIGHUP reload, wall routes and held locks across a
// crash and restart, and adoption of a WS-Discovery result.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { PASSWORD, startIccs, loginOk, openConsole, run, waitFor,
  makeTempDir, freePort } from '../lib/harness.mjs';
import { startCameras, camerasYaml, replaceCameras, VideoClient }
  from '../lib/cameras.mjs';

let sim; let old; let h; let dir; let discPort; let cred;
const con = {};
const tok = {};
const users = [['vic', 'P1'], ['sue', 'P2'], ['carl', 'P3'], ['ann', 'P4']];

// sim: 3 cameras (WS-Security digest, GetServices, WS-Discovery):
// cam-a = 1 (ONVIF, PTZ), cam-b = 2 (RTSP only), 3 left for adoption.
// old: a device without GetServices (cam-l).
function camerasSection(extra = '') {
  return camerasYaml(sim, [
    { id: 'cam-a', idx: 1, onvif: true, ptz: true },
    { id: 'cam-b', idx: 2, rtsp: true },
  ]) + `  - id: cam-l
    name: Legacy
    roles: [cctv, supervisor]
    onvif: "${old.deviceUrl(1)}"
    ptz: true
${extra}wall_tiles:
  - {id: tile-1, name: Wall 1, roles: [cctv, supervisor], wall: main, index: 1}
cctv:
  credentials: ${cred}
  lock_idle_s: 30
  discovery: "127.0.0.1:${discPort}"
`;
}

async function connectAll() {
  for (const [u] of users) {
    if (con[u]) await con[u].close();
    con[u] = await openConsole(h, tok[u]);
  }
}

before(async () => {
  dir = await makeTempDir('iccs-camops-');
  const simPass = path.join(dir, 'sim.pass');
  await fsp.writeFile(simPass, 'snap secret\n', { mode: 0o600 });
  cred = path.join(dir, 'cctv.cred');
  await fsp.writeFile(cred, 'iccs:snap secret\n', { mode: 0o600 });
  discPort = await freePort();
  sim = await startCameras({ count: 3, names: ['Alpha', 'Bravo', 'Charlie'],
    args: ['--user', 'iccs', '--password-file', simPass,
      '--discovery', `127.0.0.1:${discPort}`] });
  old = await startCameras({ count: 1, names: ['Legacy'],
    args: ['--user', 'iccs', '--password-file', simPass,
      '--services', 'no'] });
  h = await startIccs({
    configPatch: (t) => replaceCameras(t, camerasSection()),
  });
  await h.addOperator('vic', ['cctv'], PASSWORD, { ptzPriority: 10 });
  await h.addOperator('sue', ['supervisor'], PASSWORD, { ptzPriority: 50 });
  await h.addOperator('carl', ['calltaker']);
  await h.addOperator('ann', ['admin', 'supervisor']);
  for (const [u, p] of users) tok[u] = (await loginOk(h, u, PASSWORD, p)).token;
  await connectAll();
});

after(async () => {
  for (const c of Object.values(con)) await c.close();
  if (h) assert.equal(await h.stop(), 0, h.logs().slice(-3000));
  if (sim) await sim.stop();
  if (old) await old.stop();
});

const camState = async (s, i) => (await s.state()).cameras[i - 1];

// GET with the session's bearer token; the body as bytes
function getBytes(urlPath, token) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: h.port,
      path: urlPath, method: 'GET', ca: h.ca, agent: false,
      headers: token ? { Authorization: `Bearer ${token}` } : {} },
    (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode,
        type: res.headers['content-type'], body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function view(camera, token = tok.vic) {
  const v = await VideoClient.connect(h);
  assert.equal((await v.hello(token)).ok, true);
  v.view(camera);
  return v;
}

test('GetServices: the addresses it names are the ones used; a device ' +
  'without it is set up from GetCapabilities', async () => {
  // presets are read at the end of each camera's ONVIF set-up
  await waitFor(async () => (await camState(sim, 1)).svc_hits > 0, 10000,
    'requests on the XAddrs GetServices gave');
  const r = await con.vic.call('camera.move', { camera: 'cam-l',
    mode: 'absolute', pan: 0.5, tilt: 0, zoom: 0 });
  assert.ok(r.ok, JSON.stringify(r));
  await waitFor(async () => (await camState(old, 1)).pan_milli === 500,
    5000, 'AbsoluteMove on the device without GetServices');
  assert.equal((await camState(old, 1)).svc_hits, 0);
  await con.vic.call('camera.release', { camera: 'cam-l' });
});

test('snapshot: the camera\'s own JPEG through iccsd, credentials kept ' +
  'server-side, the current picture, audited', async () => {
  // the camera's snapshot URL wants its account
  const direct = await fetch(
    `http://127.0.0.1:${sim.onvif}/snapshot/cam1.jpg`);
  assert.equal(direct.status, 401);
  const n0 = (await camState(sim, 1)).snapshots;
  await con.vic.call('camera.move', { camera: 'cam-a', mode: 'absolute',
    pan: -1, tilt: 0, zoom: 0 });
  await waitFor(async () => (await camState(sim, 1)).pan_milli === -1000,
    5000, 'pan -1');
  const a = await getBytes('/api/v1/cameras/cam-a/snapshot', tok.vic);
  assert.equal(a.status, 200, a.body.toString());
  assert.equal(a.type, 'image/jpeg');
  assert.deepEqual([...a.body.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  assert.equal((await camState(sim, 1)).snapshots, n0 + 1);
  assert.ok(!a.body.includes('snap secret'));
  const file = path.join(dir, 'a.jpg');
  await fsp.writeFile(file, a.body);
  const p = await run('ffprobe', ['-v', 'error', '-show_entries',
    'stream=codec_name,width,height', '-of', 'json', file]);
  assert.equal(p.code, 0, p.stderr);
  const s = JSON.parse(p.stdout).streams[0];
  assert.deepEqual([s.codec_name, s.width, s.height], ['mjpeg', 640, 360]);
  // pointed elsewhere, the camera's picture (and so the JPEG) changes
  await con.vic.call('camera.move', { camera: 'cam-a', mode: 'absolute',
    pan: 1, tilt: 0, zoom: 0 });
  await waitFor(async () => (await camState(sim, 1)).pan_milli === 1000,
    5000, 'pan 1');
  const b = await getBytes('/api/v1/cameras/cam-a/snapshot', tok.vic);
  assert.equal(b.status, 200);
  assert.notDeepEqual(b.body, a.body);
  await con.vic.call('camera.release', { camera: 'cam-a' });

  assert.equal((await getBytes('/api/v1/cameras/cam-a/snapshot')).status,
    401);
  assert.equal((await getBytes('/api/v1/cameras/cam-a/snapshot',
    tok.carl)).status, 403);
  assert.equal((await getBytes('/api/v1/cameras/cam-z/snapshot',
    tok.vic)).status, 404);
  // an RTSP-only camera has no ONVIF snapshot: the console takes a frame
  assert.equal((await getBytes('/api/v1/cameras/cam-b/snapshot',
    tok.vic)).status, 409);
  const audit = await h.auditExport();
  const snaps = audit.filter((e) => e.action === 'camera.snapshot');
  assert.ok(snaps.some((e) => e.actor === 'vic' && e.object === 'cam-a' &&
    e.result === 'ok'), JSON.stringify(snaps));
});

test('SIGHUP: a camera added is listed and streams; a removed one in use ' +
  'tells its viewers and releases its lock with Stop', async () => {
  const v = await view('cam-a');
  await waitFor(() => v.event('init'), 15000, 'cam-a video');
  const held = await con.vic.call('camera.ptz', { camera: 'cam-a',
    pan: 0.3, tilt: 0, zoom: 0 });
  assert.ok(held.ok, JSON.stringify(held));
  const stops = (await camState(sim, 1)).stops;
  // cam-a goes, cam-c (the sim's third camera, by RTSP) comes
  const text = h.configText.replace(/  - id: cam-a\n(?:    .*\n)*/, '')
    .replace('wall_tiles:', `  - id: cam-c
    name: Charlie
    roles: [cctv, supervisor]
    rtsp: "${sim.rtspUrl(3)}"
    ptz: false
wall_tiles:`);
  assert.notEqual(text, h.configText);
  await h.writeConfig(text);
  h.signal('SIGHUP');
  await waitFor(() => v.event('offline', (e) => e.reason === 'camera removed'),
    5000, 'viewer told: camera removed');
  const ev = await con.vic.nextEvent('camera.lock',
    (d) => d.camera === 'cam-a' && d.reason === 'camera removed', 5000);
  assert.equal(ev.previous, 'vic');
  await waitFor(async () => (await camState(sim, 1)).stops > stops &&
    !(await camState(sim, 1)).moving, 5000, 'Stop on removal');
  const l = await con.vic.call('camera.list');
  const ids = l.result.cameras.map((c) => c.id).sort();
  assert.deepEqual(ids, ['cam-b', 'cam-c', 'cam-l']);
  assert.equal((await con.vic.call('camera.ptz', { camera: 'cam-a', pan: 0,
    tilt: 0, zoom: 0 })).error.code, 404);
  v.view('cam-c');
  await waitFor(() => v.event('init', (e) => e.camera === 'cam-c') &&
    v.bins.length > 3, 15000, 'cam-c video after the reload');
  await v.close();
  // back as it was, for the tests after
  await h.writeConfig(text.replace(/  - id: cam-c\n(?:    .*\n)*/, '')
    .replace('cameras:\n', `cameras:
  - id: cam-a
    name: cam-a
    roles: [cctv, supervisor]
    onvif: "${sim.deviceUrl(1)}"
    ptz: true
`));
  h.signal('SIGHUP');
  await waitFor(async () => (await con.vic.call('camera.list')).result
    .cameras.some((c) => c.id === 'cam-a' && c.ptz), 5000, 'cam-a back');
});

test('camera.adopt: a discovered device is probed, listed, streamed and ' +
  'steered; refused to a non-admin, an unreachable one is not added',
async () => {
  assert.ok((await con.ann.call('camera.discover', { timeout_ms: 500 })).ok);
  const ev = await con.sue.nextEvent('camera.discovered', () => true, 5000);
  const dev = ev.devices.find((d) => d.xaddr === sim.deviceUrl(3));
  assert.ok(dev && !dev.camera, JSON.stringify(ev));

  const no = await con.vic.call('camera.adopt',
    { camera: 'cam-new', xaddr: dev.xaddr });
  assert.equal(no.error.code, 403);
  const r = await con.ann.call('camera.adopt', { camera: 'cam-new',
    name: 'Charlie', xaddr: dev.xaddr, endpoint: dev.endpoint });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.result.state, 'probing');
  const done = await con.sue.nextEvent('camera.adopted',
    (d) => d.camera === 'cam-new', 10000);
  assert.equal(done.ok, true, JSON.stringify(done));
  const again = await con.ann.call('camera.adopt',
    { camera: 'cam-other', xaddr: dev.xaddr });
  assert.equal(again.error.code, 409);

  const cam = (await con.vic.call('camera.list')).result.cameras
    .find((c) => c.id === 'cam-new');
  assert.equal(cam?.name, 'Charlie');
  assert.equal(cam.ptz, true, 'PTZ learnt from the device');
  const v = await view('cam-new');
  await waitFor(() => v.event('init') && v.bins.length > 3, 15000,
    'video of the adopted camera');
  await v.close();
  const m = await con.vic.call('camera.move', { camera: 'cam-new',
    mode: 'absolute', pan: -0.5, tilt: 0, zoom: 0 });
  assert.ok(m.ok, JSON.stringify(m));
  await waitFor(async () => (await camState(sim, 3)).pan_milli === -500,
    5000, 'the adopted camera steered');
  await con.vic.call('camera.release', { camera: 'cam-new' });

  const dead = await freePort();
  const bad = await con.ann.call('camera.adopt', { camera: 'cam-dead',
    xaddr: `http://127.0.0.1:${dead}/onvif/device_service` });
  assert.ok(bad.ok, JSON.stringify(bad));
  const fail = await con.sue.nextEvent('camera.adopted',
    (d) => d.camera === 'cam-dead', 15000);
  assert.equal(fail.ok, false);
  assert.ok(fail.reason);
  assert.ok(!(await con.vic.call('camera.list')).result.cameras
    .some((c) => c.id === 'cam-dead'));
  const audit = await h.auditExport();
  assert.ok(audit.some((e) => e.action === 'camera.adopt' &&
    e.object === 'cam-new' && e.result === 'ok' && e.actor === 'ann'));
  assert.ok(audit.some((e) => e.action === 'camera.adopt' &&
    e.object === 'cam-dead' && e.result === 'failed'));
});

test('after a crash and restart: wall routes and adopted cameras are ' +
  'back; the camera held at the crash gets a Stop', async () => {
  const w = await con.vic.call('wall.route',
    { tile: 'tile-1', camera: 'cam-new' });
  assert.ok(w.ok, JSON.stringify(w));
  const held = await con.vic.call('camera.ptz', { camera: 'cam-a',
    pan: 0.2, tilt: 0, zoom: 0 });
  assert.ok(held.ok, JSON.stringify(held));
  await waitFor(async () => (await camState(sim, 1)).moving, 3000,
    'cam-a moving');
  await h.kill9();
  const stops = (await camState(sim, 1)).stops;
  await h.start();
  await connectAll();
  await waitFor(async () => (await camState(sim, 1)).stops > stops, 5000,
    'Stop at start to the camera held at the crash');
  const s = await con.sue.call('wall.state');
  assert.equal(s.result.tiles.find((t) => t.id === 'tile-1').camera,
    'cam-new');
  const l = await con.vic.call('camera.list');
  const a = l.result.cameras.find((c) => c.id === 'cam-a');
  assert.equal(a.lock, null, 'locks are not restored');
  assert.ok(l.result.cameras.some((c) => c.id === 'cam-new'));
  const v = await view('cam-new');
  await waitFor(() => v.event('init'), 15000, 'adopted camera after restart');
  await v.close();
  const audit = await h.auditExport();
  assert.ok(audit.some((e) => e.action === 'camera.lock_release' &&
    e.object === 'cam-a' && e.actor === 'vic' &&
    JSON.stringify(e.detail).includes('restart')), 'lock drop audited');
});

test('camera.forget: an adopted camera goes (viewers told, wall cleared) ' +
  'and stays gone after a restart; a config camera is refused', async () => {
  const v = await view('cam-new');
  await waitFor(() => v.event('init'), 15000, 'cam-new video');
  assert.equal((await con.vic.call('camera.forget', { camera: 'cam-new' }))
    .error.code, 403);
  assert.equal((await con.ann.call('camera.forget', { camera: 'cam-a' }))
    .error.code, 409);
  const r = await con.ann.call('camera.forget', { camera: 'cam-new' });
  assert.ok(r.ok, JSON.stringify(r));
  await waitFor(() => v.event('offline', (e) => e.reason === 'camera removed'),
    5000, 'viewer told');
  await v.close();
  const ev = await con.sue.nextEvent('wall.update',
    (d) => d.tile === 'tile-1' && !d.camera, 5000);
  assert.equal(ev.camera ?? null, null);
  await h.restart();
  await connectAll();
  const l = await con.vic.call('camera.list');
  assert.ok(!l.result.cameras.some((c) => c.id === 'cam-new'));
  const s = await con.sue.call('wall.state');
  assert.equal(s.result.tiles.find((t) => t.id === 'tile-1').camera ?? null,
    null);
});
