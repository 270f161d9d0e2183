// bench/latency: radio RTP in -> console audio frame out, through the
// release iccsd, beside rtpengine relaying the very same packets.
//
// A UDP peer sends a PCMU talkgroup's RTP at 50 pps: silence with a
// 100 ms 1 kHz burst every 500 ms.  A dispatcher monitors the talkgroup
// and an audio channel client (/ws/audio) takes the console frames.  For
// each burst: delay = arrival of the first console frame carrying it minus
// the send time of the RTP packet that started it.  Anchor, same run:
// every packet is also sent through one rtpengine call (ng offer/answer);
// delay = relayed packet's arrival minus its send time.  One process, one
// clock (process.hrtime, CLOCK_MONOTONIC) for all of it.
//
// Usage: node bench/latency.mjs [BURSTS]   (ICCS_BUILD: default build/)
import path from 'node:path';
import dgram from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { startRtpengine, rtpCall } from './lib/rtpengine.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)),
  '..');
process.env.ICCS_BUILD ||= path.join(ROOT, 'build');
const H = await import('../tests/lib/harness.mjs');
const R = await import('../tests/lib/rtp.mjs');

const BURSTS = Number(process.argv[2] || 120);
const PKT_PER_BURST = 25;           // 500 ms
const BURST_PKTS = 5;               // 100 ms of tone
const WARMUP_PKTS = 100;            // 2 s: the jitter buffer settles
const PEAK_ON = 1000;               // the burst is at -12 dBFS (~8200)
const TG = H.RES.talkgroup;

const now = () => Number(process.hrtime.bigint()) / 1e6;   // ms

function pctl(v, p) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.round(p / 100 * (s.length - 1)))];
}

async function bind() {
  const s = dgram.createSocket('udp4');
  await new Promise((res) => s.bind(0, '127.0.0.1', res));
  return s;
}

const eng = await startRtpengine({ ngPort: 22299, portMin: 24000,
  portMax: 24099 });
const peer = await R.udpPair();
const iccsPort = await R.freeRtpPort();
const h = await H.startIccs({
  logLevel: 'warn',
  configPatch: (t) => t.replace('    preferred_bearer: esn\n',
    '    preferred_bearer: esn\n' +
    `    rtp_local: "127.0.0.1:${iccsPort}"\n` +
    `    rtp_remote: "127.0.0.1:${peer.port}"\n` +
    '    codec: PCMU\n'),
});
await h.addOperator('dora', ['dispatcher']);
const disp = await H.loginOk(h, 'dora', H.PASSWORD, 'P1');
const con = await H.openConsole(h, disp.token);
const audio = await R.AudioClient.connect(h, disp.token);
const mon = await con.call('radio.monitor', { talkgroup: TG, on: true });
if (!mon.ok) throw new Error(`radio.monitor: ${JSON.stringify(mon)}`);

// the sender thread; its talker schedule: every SEG_BURSTS bursts the
// peer starts a new talker (new SSRC and timestamps, as after a change of
// speaker) shifted by 20 ms / SEGMENTS.  The delay depends on where the
// packets land within our 20 ms tick and a gateway's clock is not ours,
// so this sweeps the whole tick.  The first burst of each talker only
// primes the jitter buffer and is not measured.
const SEG_BURSTS = 10;
const segments = Math.ceil(BURSTS / SEG_BURSTS);
const total = WARMUP_PKTS + BURSTS * PKT_PER_BURST;
const sentAt = new Float64Array(new SharedArrayBuffer(8 * total));
const worker = new Worker(new URL('./lib/sender.mjs', import.meta.url), {
  workerData: { total, warmup: WARMUP_PKTS, perBurst: PKT_PER_BURST,
    burstPkts: BURST_PKTS, segBursts: SEG_BURSTS, segments,
    sent: sentAt.buffer } });
const { engPort: portA } = await new Promise((res) =>
  worker.once('message', res));

// the anchor's call: the sender's socket -> rtpengine -> rB
const rB = await bind();
const call = await rtpCall(eng.ng, 'latency', portA, rB.address().port);
const engDelay = [];
rB.on('message', (b) => {
  const t = now();
  const p = R.rtpParse(b);
  if (p && sentAt[p.seq] > 0) engDelay.push(t - sentAt[p.seq]);
});

// the console: first loud speaker frame after a quiet one, charged to
// the latest burst sent before it
const ourDelay = [];
const seen = new Set();
let quiet = true, frames = 0;
function burstBefore(t) {
  for (let b = BURSTS - 1; b >= 0; b--) {
    const s0 = sentAt[WARMUP_PKTS + b * PKT_PER_BURST];
    if (s0 > 0 && s0 <= t) {
      return { b, t: s0, measure: b % SEG_BURSTS !== 0 };
    }
  }
  return null;
}
audio.ws.on('message', (b, isBinary) => {
  if (!isBinary) return;
  const t = now();
  const peak = b.readUInt16LE(10);
  ++frames;
  if (quiet && peak > PEAK_ON) {
    const bu = burstBefore(t);
    if (bu?.measure && !seen.has(bu.b)) ourDelay.push(t - bu.t);
    if (bu) seen.add(bu.b);
  }
  quiet = peak <= PEAK_ON;
});

// the jitter buffer's depth and measured jitter, from /metrics every 5 s
const depths = [], jitters = [];
const metric = (text, name) => {
  const m = new RegExp(`^iccs_stream_${name}\\{stream="${TG}"\\} (\\S+)`,
    'm').exec(text);
  return m ? Number(m[1]) : NaN;
};
const poll = setInterval(async () => {
  const r = await H.request(h, 'GET', '/metrics').catch(() => null);
  if (!r) return;
  depths.push(metric(r.text, 'depth_ms'));
  jitters.push(metric(r.text, 'jitter_ms'));
}, 5000);

worker.postMessage({ iccsPort, engPort: call.toA });
await new Promise((res) => worker.on('message', (m) => m.done && res()));
await new Promise((res) => setTimeout(res, 300));
clearInterval(poll);

const f = (v) => v.toFixed(2).padStart(7);
console.log(`latency: ${ourDelay.length} bursts measured (of ${BURSTS}, ` +
  `${segments} talkers at phases 20 ms / ${segments} apart), ` +
  `${engDelay.length} packets relayed by rtpengine, ${frames} console ` +
  'frames');
console.log(`${'path'.padEnd(46)}  p50 ms  p99 ms     max`);
console.log(`${'iccsd: RTP in -> console frame (/ws/audio)'.padEnd(46)} ` +
  `${f(pctl(ourDelay, 50))} ${f(pctl(ourDelay, 99))} ` +
  `${f(Math.max(...ourDelay))}`);
console.log(`${'rtpengine: RTP in -> relayed RTP out'.padEnd(46)} ` +
  `${f(pctl(engDelay, 50))} ${f(pctl(engDelay, 99))} ` +
  `${f(Math.max(...engDelay))}`);
if (process.env.BENCH_DEBUG) console.log(ourDelay.map((x) => x.toFixed(0)).join(" "));
const ok = (v) => v.filter((x) => !Number.isNaN(x));
console.log(`iccsd jitter buffer depth ${Math.min(...ok(depths))}-` +
  `${Math.max(...ok(depths))} ms, measured jitter up to ` +
  `${Math.max(...ok(jitters)).toFixed(1)} ms (/metrics every 5 s)`);
console.log('budget (DESIGN §9): p99 < 40 ms inside iccsd.  Floor: the ' +
  'jitter buffer holds >= 20 ms, then the 20 ms media tick (0-20 ms ' +
  'phase); the figure also carries TLS + WebSocket to node and both ' +
  'ends\' event loops.');

await audio.close();
await con.close();
peer.rtp.close();
peer.rtcp.close();
rB.close();
await h.stop();
eng.kill();
process.exit(0);
