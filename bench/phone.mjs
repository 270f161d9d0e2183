// bench/phone: 999/101 telephony through the release iccsd.
//
//  (a) arrival -> console offer: a 999 INVITE sent from node on UDP to
//      the trunk -> call.update "ringing" at a ready call taker's console
//      (WSS), REPS calls one after the other (each answered and hung up).
//      Anchor, same run: a WSS `ping` round trip to the same iccsd.
//  (b) calls per second into the queues with zero loss: sipp floods the
//      trunk (uac-hangup: each caller hangs up after 300 ms) at rising
//      rates; every call must be answered 200 by iccsd and its arrival and
//      end be in the audit trail.  iccsd's CPU (utime+stime) per call.
//      Anchor, same run, interleaved: the same sipp load into Kamailio
//      (a transaction-stateful UAS: tm answers INVITE 200 with SDP and
//      BYE 200; config generated here, loopback, one UDP worker), CPU of
//      all its processes.  Medians of REPS_B runs per rate.
//  (c) CPU per connected call with media: NMEDIA (default 20) callers of
//      `iccs-sim callers` (speech, PCMU 50 pps) answered by as many call
//      takers, iccsd sending each caller the position's microphone (50
//      pps): iccsd's CPU over a window.  Anchor, same run: rtpengine
//      (userspace) relaying the same number of G.711 streams each way
//      (bench/relay_load: NMEDIA/2 two-way calls, 50 pps per stream).
//
// Usage: node bench/phone.mjs [REPS] [NMEDIA]   (ICCS_BUILD: build/)
import path from 'node:path';
import fs from 'node:fs';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)),
  '..');
process.env.ICCS_BUILD ||= path.join(ROOT, 'build');
const H = await import('../tests/lib/harness.mjs');
const S = await import('../tests/sipp/sipp.mjs');
const R = await import('../tests/lib/rtp.mjs');

const REPS = Math.max(20, Number(process.argv[2] || 50));
const NMEDIA = 2 * Math.max(1, Math.round(Number(process.argv[3] || 20) / 2));
const REPS_B = 3;
const SECS_B = 5;
const WINDOW_C = 10;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const ticks = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]
    .split(' ');
  return Number(f[11]) + Number(f[12]);     // utime + stime, clock ticks
};
function pctl(v, p) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.round(p / 100 * (s.length - 1)))];
}
const ms = (x) => `${x.toFixed(2)} ms`;

// NMEDIA more call-taking positions on this node for (c)
const morePositions = (t) => t.replace(/\nlayouts:\n/, '\n' +
  Array.from({ length: NMEDIA }, (_, i) => `  - id: M${i + 1}\n` +
    `    name: Media ${i + 1}\n    site: lambeth\n    node: lambeth-1\n` +
    '    spare: false').join('\n') + '\nlayouts:\n');
const trunkPort = await H.freePort();
const h = await H.startIccs({ configPatch: (t) => morePositions(
  S.trunkPatch({ port: trunkPort })(t)), logLevel: 'warn' });
await h.addOperator('cara', ['calltaker']);
const con = await H.openConsole(h, (await H.loginOk(h, 'cara', H.PASSWORD,
  'P1')).token);
await con.call('call.ready', { on: true });
const peer = await R.rtpPeer();
const sock = dgram.createSocket('udp4');
await new Promise((res) => sock.bind(0, '127.0.0.1', res));
sock.on('message', () => {});

function invite(n) {
  const p = sock.address().port;
  const body = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n' +
    `c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${peer.port} RTP/AVP 0\r\n`;
  return `INVITE sip:999@127.0.0.1:${trunkPort} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:${p};branch=z9hG4bK-b${n}\r\n` +
    `From: <sip:bench${n}@127.0.0.1:${p}>;tag=b${n}\r\n` +
    `To: <sip:999@127.0.0.1:${trunkPort}>\r\nCall-ID: bench-${n}\r\n` +
    `CSeq: 1 INVITE\r\nContact: <sip:b@127.0.0.1:${p}>\r\n` +
    `Max-Forwards: 70\r\nContent-Type: application/sdp\r\n` +
    `Content-Length: ${body.length}\r\n\r\n${body}`;
}

// (a)
const offer = [], ping = [];
for (let i = 0; i < REPS; i++) {
  let t0 = now();
  await con.call('ping');
  ping.push(now() - t0);
  con.consumeAll();
  const ev = con.nextEvent('call.update', (d) => d.state === 'ringing',
    5000);
  t0 = now();
  sock.send(invite(i), trunkPort, '127.0.0.1');
  const d = await ev;
  offer.push(now() - t0);
  await con.call('call.answer', { call: d.id });
  await con.call('call.hangup', { call: d.id });
}
console.log(`phone (a) 999 INVITE -> console offer, ${REPS} calls: ` +
  `p50 ${ms(pctl(offer, 50))}, p99 ${ms(pctl(offer, 99))}, ` +
  `max ${ms(Math.max(...offer))}; anchor WSS ping p50 ` +
  `${ms(pctl(ping, 50))}, p99 ${ms(pctl(ping, 99))}`);
await con.call('call.ready', { on: false });

// (b)
const K = await import('./lib/kamailio.mjs');
const kam = await K.startKamailio(await H.freePort());
const med = (v) => pctl(v, 50);
async function sippLoad(port, rate, tag) {
  const N = rate * SECS_B;
  const dir = await H.makeTempDir('iccs-bench-');
  const t0 = now();
  const res = await H.run('sipp', ['-sf', path.join(S.SIPP_DIR,
    'uac-hangup.xml'), '-i', '127.0.0.1', '-p', String(await H.freePort()),
  '-t', 'u1', '-s', '999', '-set', 'rtp_port', String(peer.port), '-set',
  'caller', tag, '-d', '300', '-m', String(N), '-r', String(rate),
  '-l', String(N), '-timeout', '120s', '-nostdin',
  `127.0.0.1:${port}`], { timeoutMs: 150000, cwd: dir });
  const ok = /Successful call\s+\|\s+\d+\s+\|\s+(\d+)/.exec(res.stdout);
  const failed = /Failed call\s+\|\s+\d+\s+\|\s+(\d+)/.exec(res.stdout);
  return { N, secs: (now() - t0) / 1000, code: res.code,
    ok: ok ? Number(ok[1]) : 0, failed: failed ? Number(failed[1]) : -1 };
}
console.log(`phone (b) sipp uac-hangup (300 ms calls), ${SECS_B} s per run, ` +
  `median of ${REPS_B} runs, iccsd and Kamailio ${K.VERSION} interleaved`);
for (const rate of [100, 200, 400]) {
  const ours = [], theirs = [];
  let lossOurs = 0, lossKam = 0;
  for (let rep = 0; rep < REPS_B; rep++) {
    const tag = `r${rate}-${rep}`;
    let c0 = ticks(h.pid);
    const r = await sippLoad(trunkPort, rate, tag);
    const cpu = (ticks(h.pid) - c0) / 100;
    const until = now() + 20000;
    const audit = await H.waitFor(async () => {
      const a = await h.auditExport();
      const e = a.filter((x) => x.action === 'call.end' &&
        x.detail?.caller === tag);
      return e.length >= r.N || now() > until ? a : null;
    }, 30000, 'the audit trail');
    const arrived = audit.filter((x) => x.action === 'call.arrive' &&
      x.detail?.caller === tag).length;
    lossOurs += (r.N - Math.min(r.ok, arrived)) + Math.max(0, r.failed);
    ours.push(1e6 * cpu / r.N);

    c0 = K.ticks(kam.pid);
    const k = await sippLoad(kam.port, rate, tag);
    theirs.push(1e6 * (K.ticks(kam.pid) - c0) / 100 / k.N);
    lossKam += (k.N - k.ok) + Math.max(0, k.failed);
  }
  console.log(`phone (b) ${String(rate).padStart(3)} calls/s: iccsd ` +
    `${lossOurs ? `LOST ${lossOurs}` : 'zero loss'}, ` +
    `${med(ours).toFixed(0)} µs CPU per call; Kamailio ` +
    `${lossKam ? `LOST ${lossKam}` : 'zero loss'}, ` +
    `${med(theirs).toFixed(0)} µs CPU per call; ratio ` +
    `${(med(ours) / med(theirs)).toFixed(1)}x`);
}
kam.kill();

// (c) on a restarted iccsd: a caller of (b) who gave up before our 200 OK
// stays queued until telephony.rtp_timeout_s (60 s) ends the call, and
// would be offered here meanwhile
await con.close();
await h.restart();
const C = await import('../tests/lib/callers.mjs');
const RE = await import('./lib/rtpengine.mjs');
const takers = [];
for (let i = 0; i < NMEDIA; i++) {
  await h.addOperator(`m${i + 1}`, ['calltaker']);
  const c = await H.openConsole(h, (await H.loginOk(h, `m${i + 1}`,
    H.PASSWORD, `M${i + 1}`)).token);
  await c.call('call.ready', { on: true });
  takers.push(c);
}
const sim = await C.startCallers(['--trunk', `127.0.0.1:${trunkPort}`]);
process.on('exit', () => {
  try { process.kill(sim.proc.pid, 'SIGKILL'); } catch { /* gone */ }
});
const answered = takers.map((c, i) => c.nextEvent('call.update',
  (d) => d.state === 'ringing' && d.position === `M${i + 1}`, 30000)
  .then((d) => c.call('call.answer', { call: d.id })));
await sim.place({ number: '999', count: NMEDIA, rate: 10 });
for (const r of await Promise.all(answered)) {
  if (!r.ok) throw new Error(`call.answer: ${JSON.stringify(r)}`);
}
await H.waitFor(async () => (await sim.list()).calls.every((x) =>
  x.rx_packets > 50), 10000, 'media both ways on every call');
const l0 = await sim.list();
let c0 = ticks(h.pid);
const t0 = now();
await new Promise((r) => setTimeout(r, WINDOW_C * 1000));
const cpuC = (ticks(h.pid) - c0) / 100 / ((now() - t0) / 1000);
const l1 = await sim.list();
const pk = (l, k) => l.calls.reduce((a, x) => a + x[k], 0);
const inPps = (pk(l1, 'tx_packets') - pk(l0, 'tx_packets')) / WINDOW_C;
const outPps = (pk(l1, 'rx_packets') - pk(l0, 'rx_packets')) / WINDOW_C;
await sim.hangup();
await sim.stop();
for (const c of takers) await c.close();

const eng = await RE.startRtpengine({ ngPort: await H.freePort(),
  portMin: 32000, portMax: 33999 });
let rel;
try {
  const { spawn } = await import('node:child_process');
  const readline = await import('node:readline');
  const LOAD = path.join(process.env.ICCS_BUILD, 'bench', 'relay_load');
  const p = spawn(LOAD, [NMEDIA / 2, 3, WINDOW_C, eng.pid],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const it = readline.createInterface({ input: p.stdout })[
    Symbol.asyncIterator]();
  for (let i = 0; i < NMEDIA / 2; i++) {
    const [pa, pb] = (await it.next()).value.trim().split(/\s+/)
      .map(Number);
    const cl = await RE.rtpCall(eng.ng, `ph-${i}`, pa, pb);
    p.stdin.write(`${cl.toA} ${cl.toB}\n`);
  }
  p.stdin.end();
  rel = JSON.parse((await it.next()).value);
} finally {
  eng.kill();
}
const oursPct = 100 * cpuC / NMEDIA;
const engPct = rel.core_pct / NMEDIA;
console.log(`phone (c) ${NMEDIA} connected calls with media: iccsd ` +
  `${(100 * cpuC).toFixed(1)} % of a core, ${oursPct.toFixed(3)} % per ` +
  `call (RTP ${inPps.toFixed(0)} pps in, ${outPps.toFixed(0)} pps out, ` +
  `decode + mix to the headset + encode the microphone); rtpengine ` +
  `relaying ${NMEDIA} G.711 streams each way (${NMEDIA / 2} two-way ` +
  `calls, ${rel.relayed}/${rel.sent} relayed): ${rel.core_pct.toFixed(1)} ` +
  `% of a core, ${engPct.toFixed(3)} % per stream pair; ratio ` +
  `${(oursPct / engPct).toFixed(1)}x`);

sock.close();
await peer.close();
await h.stop();
