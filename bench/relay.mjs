// bench/relay: CPU per relayed RTP packet and RTP-in -> RTP-out delay,
// rtpengine (userspace, forwarding) beside our media engine (decoding,
// mixing, re-encoding: a transcoding path) on the same traffic.
//
// For each N (default 50 and 200 two-way G.711 calls, 50 pps each way):
// relay_load sends and receives, reads the relay's CPU from /proc/PID/stat
// over a fixed window and reports delays.  The relay is rtpengine driven
// by ng offer/answer, or bench/relay_host (N pairs of streams patched
// a->b and b->a with media_patch).
//
// Usage: node bench/relay.mjs [N ...]   (ICCS_BUILD: the release build)
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRtpengine, rtpCall } from './lib/rtpengine.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)),
  '..');
const BUILD = process.env.ICCS_BUILD || path.join(ROOT, 'build');
const LOAD = path.join(BUILD, 'bench', 'relay_load');
const HOST = path.join(BUILD, 'bench', 'relay_host');
const WARMUP_S = 3;
const WINDOW_S = Number(process.env.BENCH_WINDOW_S || 12);
const HOST_BASE = 20000;        // below the ephemeral range
const live = new Set();

process.on('exit', () => {
  for (const pid of live) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
});

function lines(stream) {
  const rl = readline.createInterface({ input: stream });
  const q = [];
  const waiters = [];
  rl.on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l); else q.push(l);
  });
  rl.on('close', () => { for (const w of waiters) w(null); });
  return () => (q.length ? Promise.resolve(q.shift())
    : new Promise((res) => waiters.push(res)));
}

// Run relay_load against relay pid; dstOf(i, portA, portB) gives the
// ports call i's two sides send to
async function load(n, pid, dstOf) {
  const p = spawn(LOAD, [n, WARMUP_S, WINDOW_S, pid],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  live.add(p.pid);
  const next = lines(p.stdout);
  const ports = [];
  for (let i = 0; i < n; i++) {
    const l = await next();
    if (l === null) throw new Error('relay_load exited early');
    ports.push(l.trim().split(/\s+/).map(Number));
  }
  for (let i = 0; i < n; i++) {
    const d = await dstOf(i, ports[i][0], ports[i][1]);
    p.stdin.write(`${d[0]} ${d[1]}\n`);
  }
  p.stdin.end();
  const out = await next();
  await new Promise((res) => p.once('close', res));
  live.delete(p.pid);
  return JSON.parse(out);
}

async function benchRtpengine(n) {
  const eng = await startRtpengine({ ngPort: 22250,
    portMin: 30000, portMax: 31999 });
  live.add(eng.pid);
  try {
    return await load(n, eng.pid, async (i, pa, pb) => {
      const c = await rtpCall(eng.ng, `bench-${n}-${i}`, pa, pb);
      return [c.toA, c.toB];
    });
  } finally {
    eng.kill();
    live.delete(eng.pid);
  }
}

async function benchOurs(n) {
  const p = spawn(HOST, [n, HOST_BASE], { stdio: ['ignore', 'pipe',
    'pipe'] });
  live.add(p.pid);
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  const next = lines(p.stdout);
  if (await next() !== 'ready') throw new Error(`relay_host: ${err}`);
  try {
    const r = await load(n, p.pid, (i) => [HOST_BASE + 4 * i,
      HOST_BASE + 4 * i + 2]);
    p.kill('SIGTERM');
    await new Promise((res) => p.once('close', res));
    r.host = err.trim();
    return r;
  } finally {
    try { p.kill('SIGKILL'); } catch { /* gone */ }
    live.delete(p.pid);
  }
}

function row(name, r) {
  const f = (v, d = 2) => v.toFixed(d);
  return `${name.padEnd(34)} ${String(r.calls).padStart(5)} ` +
    `${f(r.cpu_us_per_pkt).padStart(9)} ` +
    `${f(r.core_pct_per_call, 3).padStart(9)} ` +
    `${f(r.core_pct, 1).padStart(7)} ` +
    `${f(r.delay_ms.p50).padStart(8)} ${f(r.delay_ms.p99).padStart(8)} ` +
    `${String(r.relayed).padStart(8)}/${r.sent}`;
}

const ns = process.argv.slice(2).map(Number).filter((x) => x > 0);
const results = [];
console.log(`relay: ${WINDOW_S} s window after ${WARMUP_S} s warm-up; ` +
  'CPU of the relay process (all threads) from /proc/PID/stat');
console.log(`${'relay'.padEnd(34)} calls  us/pkt   %core/call  %core ` +
  '  p50 ms   p99 ms  relayed/sent');
for (const n of ns.length ? ns : [50, 200]) {
  const a = await benchRtpengine(n);
  console.log(row('rtpengine (userspace, forwards)', a));
  const b = await benchOurs(n);
  console.log(row('iccs media (decode+mix+encode)', b));
  console.log(`  ours/rtpengine CPU per packet: ` +
    `${(b.cpu_us_per_pkt / a.cpu_us_per_pkt).toFixed(2)}x ` +
    `(budget <= 1.00x); ${b.host}`);
  results.push({ n, rtpengine: a, ours: b });
}
console.log('ours transcodes (G.711 -> 16 kHz -> G.711 through the ' +
  'jitter buffer, 20 ms floor, and the 20 ms tick); rtpengine forwards ' +
  'payloads untouched');
if (process.env.BENCH_JSON) console.log(JSON.stringify(results));
