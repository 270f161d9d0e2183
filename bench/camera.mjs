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
// (2) CPU per relayed stream: see (4), on a fresh iccsd (the one of (1)
//     keeps the sessions the browser used for a minute after it goes).
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
const ANCHORS = (process.env.BENCH_ANCHORS || '4,16').split(',').map(Number);
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

// The anchor: M `ffmpeg -c copy` RTSP -> fMP4 remuxers, stream i on the
// simulator's mount 1 + (i - 1) % N: CPU of all of them over the window,
// and the bytes they wrote in it (a starved remuxer costs less)
async function remuxCpu(sim, m) {
  const ffs = [];
  const wrote = new Array(m).fill(0);
  const total = () => wrote.reduce((a, b) => a + b, 0);
  for (let i = 1; i <= m; i++) {
    const p = spawn('ffmpeg', ['-v', 'error', '-rtsp_transport', 'tcp',
      '-i', sim.rtspUrl(1 + ((i - 1) % N)), '-c', 'copy', '-f', 'mp4',
      '-movflags', 'frag_every_frame+empty_moov+default_base_moof',
      'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.on('data', (d) => { wrote[i - 1] += d.length; });
    ffs.push(p);
  }
  try {
    // every remuxer past its start (probe, first keyframe): 2 s of
    // stream; one that never gets there is reported, not waited for
    const started = () => wrote.filter((b) => b > 30000).length;
    await waitFor(() => started() === m, 60000, 'every remuxer streaming')
      .catch(() => {});
    const before = total();
    const cpu = await cpuOver(ffs.map((p) => p.pid), WINDOW_S);
    return { cpu, rate: (total() - before) / WINDOW_S / m,
      started: started() };
  } finally {
    for (const p of ffs) p.kill('SIGKILL');
  }
}

// (4) Capacity at a camera's real bitrate: M camera entries in iccsd,
//     all streamed from the N mounts of a second simulator whose scene is
//     noise, so each stream is a full 1 Mbit/s (the colour bars of the
//     tests encode to ~110 kbit/s; the simulator encodes each mount once
//     and only packetises per client), each with a viewer over /ws/video;
//     for M = 4, 16, 64 (BENCH_CAPACITY): iccsd's CPU from /proc over a
//     window (in all, and per stream less iccsd's own idle cost: media
//     tick, timers, measured first with no viewer and no RTSP session)
//     and the share of the pictures every viewer received.  Anchor for
//     M = 4 and 16 (BENCH_ANCHORS): as many `ffmpeg -c copy` processes on
//     the same mounts (a remuxer per stream is how ffmpeg would serve
//     them; of 64, started together or 100 ms apart, some never got a
//     stream from the simulator, so the anchor stops at 16).
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
  let idle;
  try {
    await hc.addOperator('cap', ['cctv'], PASSWORD);
    const tok = (await loginOk(hc, 'cap', PASSWORD, 'P1')).token;
    idle = await cpuOver([hc.pid], WINDOW_S);
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
      const bytes = viewers.reduce((a, v) => a + v.bins.reduce(
        (b, x) => b + x.length, 0), 0);
      rows.push({ m, cpu, worst: Math.min(...got), mean: got.reduce(
        (a, b) => a + b, 0) / got.length, rate: bytes / WINDOW_S / m });
      if (Math.min(...got) < 0.95) break;
    }
  } finally {
    for (const v of viewers) await v.close();
    await hc.stop();
  }
  const anchors = [];
  for (const m of ANCHORS) anchors.push({ m, ...await remuxCpu(sim, m) });
  return { rows, idle, anchors };
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
} finally {
  await h.stop();
}
await sim.stop();
const noisy = await startCameras({ count: N, args: ['--scene', 'noise'] });
try {
  const levels = (process.env.BENCH_CAPACITY || '4,16,64').split(',')
    .map(Number);
  const cap = await capacity(noisy, levels);
  console.log(`relay CPU and capacity: 1 Mbit/s streams (scene noise) ` +
    `relayed at once, ` +
    `each to one viewer (${WINDOW_S} s window per step; iccsd idle ` +
    `${(100 * cap.idle).toFixed(2)} %):`);
  for (const r of cap.rows) {
    console.log(`  ${r.m} streams: iccsd ${(100 * r.cpu).toFixed(1)} % of a ` +
      `core (${(100 * r.cpu / r.m).toFixed(2)} % per stream, ` +
      `${(100 * (r.cpu - cap.idle) / r.m).toFixed(2)} % less idle), ` +
      `pictures received: worst viewer ${(100 * r.worst).toFixed(1)} %, mean ` +
      `${(100 * r.mean).toFixed(1)} %, ${(r.rate / 1000).toFixed(0)} kB/s ` +
      `per viewer`);
  }
  for (const a of cap.anchors) {
    console.log(`  anchor, ${a.m} ffmpeg -c copy remuxers: ` +
      `${(100 * a.cpu).toFixed(1)} % of a core ` +
      `(${(100 * a.cpu / a.m).toFixed(2)} % per stream), ` +
      `${(a.rate / 1000).toFixed(0)} kB/s written per remuxer` +
      (a.started < a.m ? ` (only ${a.started} of them streaming)` : ''));
  }
} finally {
  await noisy.stop();
}
