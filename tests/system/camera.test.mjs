// Digital CCTV against the simulated cameras (iccs-sim cameras: gst-rtsp-
// server + ONVIF): live video over /ws/video checked by ffprobe, PTZ over
// ONVIF under the control lock (priority, takeover notice, release with
// Stop), presets, the video wall, the audit trail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PASSWORD, startIccs, loginOk, openConsole, run, waitFor,
  makeTempDir, freePort } from '../lib/harness.mjs';
import { SIM, startCameras, camerasYaml, replaceCameras, VideoClient }
  from '../lib/cameras.mjs';

let sim; let sim2; let h; let dir; let discPort;
const con = {};
const tok = {};

// cam-a: ONVIF only (the stream comes from GetStreamUri), PTZ;
// cam-b: RTSP only, fixed
before(async () => {
  dir = await makeTempDir('iccs-cam-');
  // the cameras want a WS-Security digest from this account
  const simPass = path.join(dir, 'sim.pass');
  await fsp.writeFile(simPass, 'cam era secret\n', { mode: 0o600 });
  const cred = path.join(dir, 'cctv.cred');
  await fsp.writeFile(cred, 'iccs:cam era secret\n', { mode: 0o600 });
  discPort = await freePort();
  sim = await startCameras({ count: 2, names: ['Alpha', 'Bravo'],
    args: ['--user', 'iccs', '--password-file', simPass,
      '--clock-offset', '-3600', '--discovery', `127.0.0.1:${discPort}`] });
  // a camera that authenticates at the HTTP layer (digest), not in SOAP
  sim2 = await startCameras({ count: 1, names: ['Charlie'],
    args: ['--user', 'iccs', '--password-file', simPass, '--auth', 'http'] });
  h = await startIccs({
    configPatch: (t) => replaceCameras(t, camerasYaml(sim, [
      { id: 'cam-a', idx: 1, onvif: true, ptz: true },
      { id: 'cam-b', idx: 2, rtsp: true },
    ]) + `  - id: cam-c
    name: Charlie
    roles: [cctv, supervisor]
    onvif: "${sim2.deviceUrl(1)}"
    ptz: true
wall_tiles:
  - {id: tile-1, name: Wall 1, roles: [cctv, supervisor], wall: main, index: 1}
cctv:
  credentials: ${cred}
  lock_idle_s: 2
  discovery: "127.0.0.1:${discPort}"
`),
  });
  await h.addOperator('vic', ['cctv'], PASSWORD, { ptzPriority: 10 });
  await h.addOperator('sue', ['supervisor'], PASSWORD, { ptzPriority: 50 });
  await h.addOperator('carl', ['calltaker']);
  for (const [u, p] of [['vic', 'P1'], ['sue', 'P2'], ['carl', 'P3']]) {
    tok[u] = (await loginOk(h, u, PASSWORD, p)).token;
    con[u] = await openConsole(h, tok[u]);
  }
});

after(async () => {
  for (const c of Object.values(con)) await c.close();
  // a clean stop: every relay and ONVIF thread joined, nothing leaked
  if (h) assert.equal(await h.stop(), 0, h.logs().slice(-3000));
  if (sim) await sim.stop();
  if (sim2) await sim2.stop();
});

test('camera.list: every camera, PTZ learnt, calltaker refused', async () => {
  const r = await con.vic.call('camera.list');
  assert.ok(r.ok, JSON.stringify(r));
  const ids = r.result.cameras.map((c) => c.id).sort();
  assert.deepEqual(ids, ['cam-a', 'cam-b', 'cam-c']);
  assert.equal(r.result.cameras.find((c) => c.id === 'cam-a').ptz, true);
  const d = await con.carl.call('camera.list');
  assert.equal(d.error.code, 403);
});

async function grab(camera, minFrags = 25) {
  const v = await VideoClient.connect(h);
  assert.equal((await v.hello(tok.vic)).ok, true);
  v.view(camera);
  try {
    await waitFor(() => v.event('init') && v.bins.length > minFrags, 15000,
      `${minFrags} fragments of ${camera}`);
  } catch (err) {
    throw new Error(`${err.message}; got ${JSON.stringify(v.texts)} and ` +
      `${v.bins.length} pieces; iccsd log:\n${h.logs().slice(-3000)}`);
  }
  return v;
}

test('video: init + fragments from a keyframe, ffprobe reads our fMP4',
  async () => {
    const v = await grab('cam-a');
    const init = v.event('init');
    assert.equal(init.camera, 'cam-a');
    assert.match(init.codec, /^avc1\.[0-9A-F]{6}$/);
    assert.equal(init.width, 640);
    assert.equal(init.height, 360);
    const file = path.join(dir, 'a.mp4');
    await fsp.writeFile(file, Buffer.concat(v.bins));
    await v.close();
    const r = await run('ffprobe', ['-v', 'error', '-count_frames',
      '-select_streams', 'v:0', '-show_entries',
      'stream=codec_name,width,height,nb_read_frames', '-of', 'json', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'ffprobe complained');
    const s = JSON.parse(r.stdout).streams[0];
    assert.equal(s.codec_name, 'h264');
    assert.equal(s.width, 640);
    assert.ok(Number(s.nb_read_frames) >= 25, r.stdout);
    // the first fragment is a keyframe: an independent decoder starts
    // there without errors (checked above: ffprobe said nothing)
  });

test('video: a second viewer starts at once from the GOP cache', async () => {
  const a = await grab('cam-b', 5);
  const b = await VideoClient.connect(h);
  await b.hello(tok.sue);
  b.view('cam-b');
  // init and the cached GOP arrive before any new fragment could
  await waitFor(() => b.event('init') && b.bins.length >= 2, 3000,
    'cached init + GOP');
  const file = path.join(dir, 'b.mp4');
  await waitFor(() => b.bins.length > 10, 5000, 'more fragments');
  await fsp.writeFile(file, Buffer.concat(b.bins));
  const r = await run('ffprobe', ['-v', 'error', '-count_frames',
    '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.trim(), '');
  await a.close();
  await b.close();
});

test('video: a long view stays live, its timeline without holes',
  async () => {
    // the demuxer's timestamps jump at the first RTCP sender report: the
    // relay must keep one gapless timeline (else MSE stalls, or the muxer
    // refuses the frame and the camera flaps offline)
    const v = await grab('cam-b', 250);
    assert.equal(v.event('offline'), undefined, JSON.stringify(v.texts));
    assert.equal(v.texts.filter((t) => t.event === 'init').length, 1);
    const file = path.join(dir, 'long.mp4');
    await fsp.writeFile(file, Buffer.concat(v.bins));
    await v.close();
    const r = await run('ffprobe', ['-v', 'error', '-count_frames',
      '-show_entries', 'stream=nb_read_frames:format=duration', '-of',
      'json', file]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const frames = Number(j.streams[0].nb_read_frames);
    const dur = Number(j.format.duration);
    assert.ok(frames >= 250, r.stdout);
    // 25 fps: the duration is the frames' (a hole would add to it)
    assert.ok(Math.abs(dur - frames / 25) < 0.5, r.stdout);
  });

test('video: unknown camera and no hello are refused', async () => {
  const v = await VideoClient.connect(h);
  await v.hello(tok.vic);
  v.view('cam-nope');
  await waitFor(() => v.texts.some((t) => t.error?.code === 404), 3000,
    '404');
  await v.close();
  const w = await VideoClient.connect(h);
  w.view('cam-a');
  const closed = await w.closed;
  assert.equal(closed.code, 1008);
});

const camState = async (i) => (await sim.state()).cameras[i - 1];

test('ONVIF: the camera refuses a request without the digest', async () => {
  const r = await sim.soap(1, 'ptz_service',
    '<Stop xmlns="http://www.onvif.org/ver20/ptz/wsdl"><ProfileToken>' +
    'Profile_1</ProfileToken></Stop>');
  assert.equal(r.status, 400);
  assert.match(r.text, /NotAuthorized/);
});

test('PTZ: a move reaches the camera over ONVIF; zero velocity stops it',
  async () => {
    const before = await camState(1);
    const r = await con.vic.call('camera.ptz',
      { camera: 'cam-a', pan: -0.5, tilt: 0, zoom: 0 });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.result.lock.operator, 'vic');
    await waitFor(async () => (await camState(1)).pan_milli <
      before.pan_milli - 50, 5000, 'pan moving left');
    const s = await con.vic.call('camera.ptz',
      { camera: 'cam-a', pan: 0, tilt: 0, zoom: 0 });
    assert.ok(s.ok);
    await waitFor(async () => (await camState(1)).stops > before.stops &&
      !(await camState(1)).moving, 5000, 'Stop');
  });

test('PTZ lock: higher priority takes over, the holder is told, lower is ' +
  'refused with the holder', async () => {
  await con.vic.call('camera.ptz', { camera: 'cam-a', pan: 0.3, tilt: 0,
    zoom: 0 });
  const stops = (await camState(1)).stops;
  const r = await con.sue.call('camera.ptz',
    { camera: 'cam-a', pan: 0, tilt: 0.2, zoom: 0 });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.result.lock.operator, 'sue');
  const ev = await con.vic.nextEvent('camera.lock',
    (d) => d.camera === 'cam-a' && d.reason === 'takeover');
  assert.equal(ev.previous, 'vic');
  assert.equal(ev.lock.operator, 'sue');
  await waitFor(async () => (await camState(1)).stops > stops, 5000,
    'Stop sent on takeover');
  const d = await con.vic.call('camera.ptz',
    { camera: 'cam-a', pan: 0.1, tilt: 0, zoom: 0 });
  assert.equal(d.error.code, 423);
  assert.match(d.error.reason, /sue/);
});

test('PTZ lock: release by hand sends Stop and frees the camera',
  async () => {
    const t = await con.sue.call('camera.ptz',
      { camera: 'cam-a', pan: 0, tilt: 0, zoom: 0 });
    assert.equal(t.result.lock.operator, 'sue');
    const stops = (await camState(1)).stops;
    const n = await con.vic.call('camera.release', { camera: 'cam-a' });
    assert.equal(n.error.code, 409);
    const r = await con.sue.call('camera.release', { camera: 'cam-a' });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.result.lock, null);
    await waitFor(async () => (await camState(1)).stops > stops, 5000,
      'Stop on release');
    const v = await con.vic.call('camera.ptz',
      { camera: 'cam-a', pan: 0, tilt: 0, zoom: 0 });
    assert.equal(v.result.lock.operator, 'vic');
    await con.vic.call('camera.release', { camera: 'cam-a' });
  });

test('PTZ lock: released after inactivity, with Stop', async () => {
  const stops = (await camState(1)).stops;
  const r = await con.vic.call('camera.ptz',
    { camera: 'cam-a', pan: 0.2, tilt: 0, zoom: 0 });
  assert.ok(r.ok, JSON.stringify(r));
  const ev = await con.vic.nextEvent('camera.lock',
    (d) => d.camera === 'cam-a' && d.reason === 'inactivity', 6000);
  assert.equal(ev.previous, 'vic');
  assert.equal(ev.lock, null);
  await waitFor(async () => (await camState(1)).stops > stops &&
    !(await camState(1)).moving, 5000, 'Stop on inactivity');
});

test('ONVIF over HTTP digest: a camera that answers 401 is streamed and ' +
  'steered', async () => {
  const raw = await sim2.soap(1, 'ptz_service', '<Stop/>');
  assert.equal(raw.status, 401);
  const v = await VideoClient.connect(h);
  await v.hello(tok.vic);
  v.view('cam-c');     // its stream URI came from GetStreamUri
  await waitFor(() => v.event('init') && v.bins.length > 3, 15000,
    'cam-c video');
  await v.close();
  const r = await con.vic.call('camera.move', { camera: 'cam-c',
    mode: 'absolute', pan: -0.5, tilt: 0, zoom: 0 });
  assert.ok(r.ok, JSON.stringify(r));
  await waitFor(async () => (await sim2.state()).cameras[0].pan_milli ===
    -500, 5000, 'AbsoluteMove through HTTP digest');
  await con.vic.call('camera.release', { camera: 'cam-c' });
});

test('PTZ on a fixed camera: 409', async () => {
  const r = await con.vic.call('camera.ptz',
    { camera: 'cam-b', pan: 0.5, tilt: 0, zoom: 0 });
  assert.equal(r.error.code, 409);
});

test('presets: set one, it is listed, go to it', async () => {
  const s = await con.vic.call('camera.preset',
    { camera: 'cam-a', action: 'set', name: 'Gate' });
  assert.ok(s.ok, JSON.stringify(s));
  const p = await waitFor(async () => {
    const r = await con.vic.call('camera.presets', { camera: 'cam-a' });
    return r.result.presets.find((x) => x.name === 'Gate');
  }, 5000, 'preset Gate listed');
  await con.vic.call('camera.ptz', { camera: 'cam-a', pan: 1, tilt: 0,
    zoom: 0 });
  await waitFor(async () => (await camState(1)).moving, 3000, 'moving');
  await con.vic.call('camera.ptz', { camera: 'cam-a', pan: 0, tilt: 0,
    zoom: 0 });
  const away = await waitFor(async () => {
    const c = await camState(1);
    return !c.moving && c;
  }, 3000, 'stopped');
  const g = await con.vic.call('camera.preset',
    { camera: 'cam-a', action: 'goto', token: p.token });
  assert.ok(g.ok, JSON.stringify(g));
  await waitFor(async () => (await camState(1)).moves > away.moves, 3000,
    'GotoPreset reached the camera');
  await con.vic.call('camera.release', { camera: 'cam-a' });
});

test('absolute and relative moves where supported; status read back',
  async () => {
    const a = await con.vic.call('camera.move', { camera: 'cam-a',
      mode: 'absolute', pan: 0.5, tilt: -0.5, zoom: 0 });
    assert.ok(a.ok, JSON.stringify(a));
    await waitFor(async () => (await camState(1)).pan_milli === 500 &&
      (await camState(1)).tilt_milli === -500, 3000, 'AbsoluteMove');
    const r = await con.vic.call('camera.move', { camera: 'cam-a',
      mode: 'relative', pan: -0.25, tilt: 0.25, zoom: 0.5 });
    assert.ok(r.ok, JSON.stringify(r));
    await waitFor(async () => (await camState(1)).pan_milli === 250 &&
      (await camState(1)).zoom_milli === 500, 3000, 'RelativeMove');
    const st = await waitFor(async () => {
      const s = await con.vic.call('camera.status', { camera: 'cam-a' });
      const p = s.result.position;
      return p && Math.abs(p.pan - 0.25) < 0.01 && p;
    }, 3000, 'GetStatus read back');
    assert.ok(Math.abs(st.tilt + 0.25) < 0.01, JSON.stringify(st));
    assert.ok(Math.abs(st.zoom - 0.5) < 0.01, JSON.stringify(st));
    assert.equal(st.moving, false);
    const bad = await con.vic.call('camera.move', { camera: 'cam-a',
      mode: 'sideways', pan: 0, tilt: 0, zoom: 0 });
    assert.equal(bad.error.code, 400);
    await con.vic.call('camera.release', { camera: 'cam-a' });
  });

test('video wall: route a camera to a tile, everyone is told', async () => {
  const r = await con.vic.call('wall.route',
    { tile: 'tile-1', camera: 'cam-b' });
  assert.ok(r.ok, JSON.stringify(r));
  const ev = await con.sue.nextEvent('wall.update',
    (d) => d.tile === 'tile-1');
  assert.equal(ev.camera, 'cam-b');
  const s = await con.sue.call('wall.state');
  assert.equal(s.result.tiles.find((t) => t.id === 'tile-1').camera,
    'cam-b');
});

test('WS-Discovery: the cameras answer a Probe; configured ones are named',
  async () => {
    const r = await con.vic.call('camera.discover', { timeout_ms: 500 });
    assert.ok(r.ok, JSON.stringify(r));
    const again = await con.vic.call('camera.discover', {});
    assert.equal(again.error.code, 409);
    const ev = await con.sue.nextEvent('camera.discovered', () => true,
      5000);
    const byX = new Map(ev.devices.map((d) => [d.xaddr, d]));
    assert.equal(ev.devices.length, 2, JSON.stringify(ev));
    // the link-local XAddr each camera also lists is skipped
    assert.equal(byX.get(sim.deviceUrl(1)).camera, 'cam-a');
    assert.equal(byX.get(sim.deviceUrl(2)).camera ?? null, null);
    assert.match(byX.get(sim.deviceUrl(2)).scopes, /name\/Bravo/);
    assert.match(byX.get(sim.deviceUrl(1)).endpoint, /^urn:uuid:/);
  });

test('a video channel still open at shutdown: iccsd stops cleanly',
  async () => {
    // after() asserts exit code 0 (ASan: nothing leaked) with this open
    const v = await grab('cam-b', 2);
    assert.ok(v.event('init'));
  });

// Bytes of H.264 a camera sends in 3 s of stream time (ffmpeg as client;
// into a file: run() collects stdout as text)
async function bytesIn3s(url, name) {
  const file = path.join(dir, `${name}.h264`);
  const r = await run('ffmpeg', ['-v', 'error', '-rtsp_transport', 'tcp',
    '-i', url, '-t', '3', '-c', 'copy', '-f', 'h264', '-y', file],
  { timeoutMs: 20000 });
  assert.equal(r.code, 0, r.stderr);
  return (await fsp.stat(file)).size;
}

test('simulator scenes: noise streams at the full 1 Mbit/s (the relay ' +
  'benchmark), the bars far less; an unknown scene is refused', async () => {
  const bad = await run(SIM, ['cameras', '--scene', 'fog']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--scene bars\|noise/);
  const noisy = await startCameras({ count: 1, args: ['--scene', 'noise'] });
  try {
    const [n, b] = await Promise.all([bytesIn3s(noisy.rtspUrl(1), 'noise'),
      bytesIn3s(sim.rtspUrl(1), 'bars')]);
    assert.ok(n / 3 > 60000, `noise: ${n / 3} bytes/s`);
    assert.ok(b * 3 < n, `bars ${b} vs noise ${n} bytes in 3 s`);
  } finally {
    await noisy.stop();
  }
});

test('every PTZ action is in the audit trail', async () => {
  const entries = await h.auditExport();
  const ptz = entries.filter((e) => e.action === 'camera.ptz');
  assert.ok(ptz.some((e) => e.actor === 'vic' && e.result === 'ok'));
  assert.ok(ptz.some((e) => e.actor === 'vic' && e.result === 'denied'));
  assert.ok(entries.some((e) => e.action === 'camera.lock_takeover' &&
    e.actor === 'sue'));
  assert.ok(entries.some((e) => e.action === 'camera.preset'));
  assert.ok(entries.some((e) => e.action === 'wall.route'));
});
