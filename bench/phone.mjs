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
//      Anchor: sipp's own CPU for the same calls (a peer doing the other
//      half of every transaction); Kamailio is not installed here.
//
// Usage: node bench/phone.mjs [REPS]   (ICCS_BUILD: default build/)
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

const trunkPort = await H.freePort();
const h = await H.startIccs({ configPatch: S.trunkPatch({ port: trunkPort }),
  logLevel: 'warn' });
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
const hz = 100;
for (const rate of [100, 200, 400]) {
  const N = rate * 10;
  const dir = await H.makeTempDir('iccs-bench-');
  const c0 = ticks(h.pid);
  const t0 = now();
  const res = await H.run('sipp', ['-sf', path.join(S.SIPP_DIR,
    'uac-hangup.xml'), '-i', '127.0.0.1', '-p', String(await H.freePort()),
  '-t', 'u1', '-s', '999', '-set', 'rtp_port', String(peer.port), '-set',
  'caller', `r${rate}`, '-d', '300', '-m', String(N), '-r', String(rate),
  '-l', String(N), '-timeout', '120s', '-nostdin', '-trace_stat',
  '-stf', path.join(dir, 'stat.csv'), `127.0.0.1:${trunkPort}`],
  { timeoutMs: 150000, cwd: dir });
  const secs = (now() - t0) / 1000;
  const cpu = (ticks(h.pid) - c0) / hz;
  const audit = await H.waitFor(async () => {
    const a = await h.auditExport();
    const e = a.filter((x) => x.action === 'call.end' &&
      x.detail?.caller === `r${rate}`);
    return e.length >= N || now() - t0 > 60000 + secs * 1000 ? a : null;
  }, 90000, 'the audit trail');
  const arrived = audit.filter((x) => x.action === 'call.arrive' &&
    x.detail?.caller === `r${rate}`).length;
  const ended = audit.filter((x) => x.action === 'call.end' &&
    x.detail?.caller === `r${rate}`).length;
  const ok = /Successful call\s+\|\s+\d+\s+\|\s+(\d+)/.exec(res.stdout);
  const failed = /Failed call\s+\|\s+\d+\s+\|\s+(\d+)/.exec(res.stdout);
  console.log(`phone (b) ${rate} calls/s x 10 s (${N} calls): sipp ` +
    `exit ${res.code}, successful ${ok ? ok[1] : '?'}, failed ` +
    `${failed ? failed[1] : '?'}; iccsd audit: ${arrived} arrived, ` +
    `${ended} ended; iccsd CPU ${(100 * cpu / secs).toFixed(1)} % of a ` +
    `core, ${(1e6 * cpu / N).toFixed(0)} µs per call (incl. audit, RTP ` +
    `stream set-up, announcement)`);
}

sock.close();
await peer.close();
await con.close();
await h.stop();
