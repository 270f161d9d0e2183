// bench/camera: digital CCTV through the release iccsd against
// iccs-sim cameras.
//
// (1) Camera switch in Chromium: the CCTV panel, click a camera, time
//     until the <video> presents its first frame (requestVideoFrameCallback,
//     reported by the panel).  Cold = the camera's RTSP session is not
//     running yet; warm = it runs (another viewer, or selected within the
//     last minute) and the GOP cache serves a keyframe at once.  Anchor,
//     same run: a plain RTSP player (ffmpeg, TCP) from start to its first
//     decoded frame on the same camera, which must wait for a keyframe.
// (2) CPU per relayed stream: N cameras, each viewed over /ws/video, CPU
//     of iccsd from /proc over a window, per stream; anchor, same run and
//     same streams: N `ffmpeg -c copy` RTSP -> fMP4 (one fragment per
//     frame) processes, CPU per process.
//
// (3) Glass-to-glass: the simulator writes its wall clock (ms) into each
//     picture before encoding; the page reads it back from every frame it
//     presents.  Anchor, same run: ffmpeg decoding the RTSP stream itself.
//
// Usage: node bench/camera.mjs [N] [SWITCHES]   (ICCS_BUILD: release build)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { PASSWORD, startIccs, loginOk, waitFor } from '../tests/lib/harness.mjs';
import { startCameras, camerasYaml, replaceCameras, VideoClient }
  from '../tests/lib/cameras.mjs';
import { launchBrowser, loginInNewPage } from '../tests/browser/lib.mjs';

const N = Number(process.argv[2] || 4);
const SWITCHES = Number(process.argv[3] || 20);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S || 15);
const TICK = 100;   // USER_HZ of /proc/PID/stat

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const pct = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(v[11]) + Number(v[12]);   // utime + stime
}

async function cpuOver(pids, seconds) {
  const a = pids.map(cpuTicks);
  await sleep(seconds * 1000);
  const b = pids.map(cpuTicks);
  return b.reduce((s, x, i) => s + x - a[i], 0) / TICK / seconds;
}

// An RTSP player's time to its first decoded frame (ms)
function ffmpegFirstFrame(url) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('ffmpeg', ['-v', 'error', '-rtsp_transport', 'tcp',
      '-i', url, '-frames:v', '1', '-f', 'null', '-']);
    p.on('exit', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
  });
}

// In the page: for n presented frames of the active tile, the time it is
// displayed (requestVideoFrameCallback's expectedDisplayTime, wall clock)
// minus the millisecond stamp the simulator wrote into it before encoding
function glassToGlass(n) {
  const v = document.querySelector('.cam-tile.cam-active video');
  const c = document.createElement('canvas');
  c.width = 384;
  c.height = 16;
  const g = c.getContext('2d', { willReadFrequently: true });
  const out = [];
  return new Promise((resolve) => {
    const frame = (now, meta) => {
      g.drawImage(v, 0, v.videoHeight - 16, 384, 16, 0, 0, 384, 16);
      const px = g.getImageData(0, 8, 384, 1).data;
      let ms = 0;
      for (let b = 0; b < 48; b++) {
        const i = 4 * (b * 8 + 4);
        const y = 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
        ms = ms * 2 + (y > 128 ? 1 : 0);
      }
      out.push(performance.timeOrigin + meta.expectedDisplayTime - ms);
      if (out.length < n) v.requestVideoFrameCallback(frame);
      else resolve(out);
    };
    v.requestVideoFrameCallback(frame);
  });
}

// The same from a direct RTSP decoder (ffmpeg, nobuffer, low_delay): the
// stamp rows as grey pixels on a pipe, time of arrival minus the stamp
function ffmpegGlassToGlass(url, n) {
  return new Promise((resolve) => {
    const p = spawn('ffmpeg', ['-v', 'error', '-fflags', 'nobuffer',
      '-flags', 'low_delay', '-rtsp_transport', 'tcp', '-i', url, '-vf',
      'crop=384:16:0:344', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);
    const FR = 384 * 16;
    let buf = Buffer.alloc(0);
    const out = [];
    p.stdout.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= FR && out.length < n) {
        const f = buf.subarray(0, FR);
        buf = buf.subarray(FR);
        let ms = 0;
        for (let b = 0; b < 48; b++) {
          ms = ms * 2 + (f[8 * 384 + b * 8 + 4] > 128 ? 1 : 0);
        }
        out.push(Date.now() - ms);
      }
      if (out.length >= n) {
        p.kill('SIGKILL');
        resolve(out.slice(10));   // past its start-up burst
      }
    });
  });
}

async function switching(sim, h) {
  const browser = await launchBrowser(h,
    ['--autoplay-policy=no-user-gesture-required']);
  try {
    const { page } = await loginInNewPage(browser, h, 'vic', PASSWORD, 'P1');
    const pick = async (id) => {
      await page.evaluate(() => {
        document.querySelector('#cam-switch').textContent = '';
      });
      await page.click(`.cam-item[data-camera="${id}"]`);
      const t = await page.waitForFunction(() => {
        const m = /first frame (\d+) ms/.exec(
          document.querySelector('#cam-switch').textContent);
        return m && Number(m[1]);
      }, null, { timeout: 15000 });
      return t.jsonValue();
    };
    const cold = [];
    for (let i = 1; i <= N; i++) cold.push(await pick(`cam-${i}`));
    const warm = [];
    for (let i = 0; i < SWITCHES; i++) {
      warm.push(await pick(`cam-${1 + (i % N)}`));
      await sleep(300 + Math.random() * 700);   // any phase of the GOP
    }
    const g2g = await page.evaluate(glassToGlass, 100);
    const anchor = [];
    for (let i = 0; i < Math.min(SWITCHES, 10); i++) {
      anchor.push(await ffmpegFirstFrame(sim.rtspUrl(1 + (i % N))));
      await sleep(200 + Math.random() * 600);
    }
    return { cold, warm, anchor, g2g };
  } finally {
    await browser.close();
  }
}

async function relayCpu(sim, h, token) {
  const viewers = [];
  for (let i = 1; i <= N; i++) {
    const v = await VideoClient.connect(h);
    await v.hello(token);
    v.view(`cam-${i}`);
    viewers.push(v);
  }
  await waitFor(() => viewers.every((v) => v.bins.length > 25), 20000,
    'every stream flowing');
  for (const v of viewers) v.bins.length = 0;
  const ours = await cpuOver([h.pid], WINDOW_S);
  const frags = viewers.reduce((s, v) => s + v.bins.length, 0);
  for (const v of viewers) await v.close();

  const ffs = [];
  for (let i = 1; i <= N; i++) {
    const p = spawn('ffmpeg', ['-v', 'error', '-rtsp_transport', 'tcp',
      '-i', sim.rtspUrl(i), '-c', 'copy', '-f', 'mp4', '-movflags',
      'frag_every_frame+empty_moov+default_base_moof', 'pipe:1'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.resume();
    ffs.push(p);
  }
  await sleep(3000);
  const anchor = await cpuOver(ffs.map((p) => p.pid), WINDOW_S);
  for (const p of ffs) p.kill('SIGKILL');
  return { ours, anchor, frags };
}

// (4) Capacity: M camera entries in iccsd, all streamed from the N
//     simulated mounts (the simulator encodes each mount once and only
//     packetises per client), each with a viewer; for M = 8, 16, 32, 64:
//     iccsd's CPU and the share of the pictures every viewer received.
async function capacity(sim, levels) {
  const max = levels[levels.length - 1];
  const cams = [];
  for (let i = 1; i <= max; i++) {
    cams.push({ id: `cap-${i}`, idx: 1 + ((i - 1) % N), rtsp: true });
  }
  const hc = await startIccs({ logLevel: 'notice',
    configPatch: (t) => replaceCameras(t, camerasYaml(sim, cams)) });
  const rows = [];
  const viewers = [];
  try {
    await hc.addOperator('cap', ['cctv'], PASSWORD);
    const tok = (await loginOk(hc, 'cap', PASSWORD, 'P1')).token;
    for (const m of levels) {
      while (viewers.length < m) {
        const v = await VideoClient.connect(hc);
        await v.hello(tok);
        v.view(`cap-${viewers.length + 1}`);
        viewers.push(v);
      }
      await sleep(4000);
      for (const v of viewers) v.bins.length = 0;
      const cpu = await cpuOver([hc.pid], WINDOW_S);
      const got = viewers.map((v) => v.bins.length / (25 * WINDOW_S));
      rows.push({ m, cpu, worst: Math.min(...got), mean: got.reduce(
        (a, b) => a + b, 0) / got.length });
      if (Math.min(...got) < 0.95) break;
    }
  } finally {
    for (const v of viewers) await v.close();
    await hc.stop();
  }
  return rows;
}

const sim = await startCameras({ count: N });
const cams = [];
for (let i = 1; i <= N; i++) {
  cams.push({ id: `cam-${i}`, idx: i, rtsp: true, onvif: i === 1,
    ptz: i === 1 });
}
const h = await startIccs({ logLevel: 'notice',
  configPatch: (t) => replaceCameras(t, camerasYaml(sim, cams)) });
try {
  await h.addOperator('vic', ['cctv'], PASSWORD, { ptzPriority: 10 });
  await h.addOperator('bob', ['cctv'], PASSWORD);
  const tok = (await loginOk(h, 'bob', PASSWORD, 'P2')).token;

  const sw = await switching(sim, h);
  console.log(`camera switch, select -> first frame presented in Chromium:`);
  console.log(`  ours, cold (RTSP session opened): median ` +
    `${median(sw.cold).toFixed(0)} ms over ${sw.cold.length} ` +
    `[${sw.cold.map((x) => x.toFixed(0)).join(' ')}]`);
  console.log(`  ours, warm (GOP cache): median ${median(sw.warm).toFixed(0)}` +
    ` ms, p90 ${pct(sw.warm, 0.9).toFixed(0)} ms over ${sw.warm.length}`);
  console.log(`  anchor, ffmpeg RTSP player to first decoded frame: median ` +
    `${median(sw.anchor).toFixed(0)} ms, p90 ` +
    `${pct(sw.anchor, 0.9).toFixed(0)} ms over ${sw.anchor.length}`);

  const ffg = await ffmpegGlassToGlass(sim.rtspUrl(1), 110);
  console.log(`glass-to-glass, simulator's clock stamp (before encoding) -> ` +
    `frame displayed:`);
  console.log(`  ours, Chromium MSE via iccsd: median ` +
    `${median(sw.g2g).toFixed(0)} ms, p90 ${pct(sw.g2g, 0.9).toFixed(0)} ms ` +
    `over ${sw.g2g.length} frames`);
  console.log(`  anchor, ffmpeg decoding the RTSP stream directly: median ` +
    `${median(ffg).toFixed(0)} ms, p90 ${pct(ffg, 0.9).toFixed(0)} ms ` +
    `over ${ffg.length} frames`);

  const c = await relayCpu(sim, h, tok);
  console.log(`relay CPU, ${N} streams (640x360 25 fps ~1 Mbit/s), ` +
    `${WINDOW_S} s window:`);
  console.log(`  ours, iccsd RTSP -> fMP4 -> WSS: ` +
    `${(100 * c.ours / N).toFixed(2)} % of a core per stream ` +
    `(${c.frags} fragments sent)`);
  console.log(`  anchor, ffmpeg -c copy RTSP -> fMP4: ` +
    `${(100 * c.anchor / N).toFixed(2)} % of a core per stream`);
} finally {
  await h.stop();
}
try {
  const levels = (process.env.BENCH_CAPACITY || '8,16,32,64').split(',')
    .map(Number);
  const rows = await capacity(sim, levels);
  console.log(`capacity: streams relayed at once, each to one viewer ` +
    `(${WINDOW_S} s window per step):`);
  for (const r of rows) {
    console.log(`  ${r.m} streams: iccsd ${(100 * r.cpu).toFixed(1)} % of a ` +
      `core, pictures received: worst viewer ${(100 * r.worst).toFixed(1)} %,` +
      ` mean ${(100 * r.mean).toFixed(1)} %`);
  }
} finally {
  await sim.stop();
}
