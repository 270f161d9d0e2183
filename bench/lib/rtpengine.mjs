// rtpengine 10.5 (userspace, no kernel module) as a benchmark anchor:
// start it on loopback and drive it with the ng protocol (bencode over
// UDP, each message prefixed by a cookie that the answer echoes).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';

// ---- bencode ----
export function bencode(v) {
  if (typeof v === 'number') return `i${Math.trunc(v)}e`;
  if (typeof v === 'string') return `${Buffer.byteLength(v)}:${v}`;
  if (Array.isArray(v)) return `l${v.map(bencode).join('')}e`;
  return `d${Object.keys(v).sort()
    .map((k) => bencode(k) + bencode(v[k])).join('')}e`;
}

export function bdecode(buf) {
  let i = 0;
  const str = () => {
    const c = buf.indexOf(0x3a, i);
    const n = Number(buf.toString('latin1', i, c));
    const s = buf.toString('utf8', c + 1, c + 1 + n);
    i = c + 1 + n;
    return s;
  };
  const val = () => {
    const t = String.fromCharCode(buf[i]);
    if (t === 'i') {
      const e = buf.indexOf(0x65, i);
      const n = Number(buf.toString('latin1', i + 1, e));
      i = e + 1;
      return n;
    }
    if (t === 'l') {
      i++;
      const a = [];
      while (buf[i] !== 0x65) a.push(val());
      i++;
      return a;
    }
    if (t === 'd') {
      i++;
      const o = {};
      while (buf[i] !== 0x65) { const k = str(); o[k] = val(); }
      i++;
      return o;
    }
    return str();
  };
  return val();
}

// ---- the ng client ----
export class Ng {
  constructor(port) {
    this.port = port;
    this.sock = dgram.createSocket('udp4');
    this.wait = new Map();
    this.sock.on('message', (m) => {
      const sp = m.indexOf(0x20);
      const cookie = m.toString('latin1', 0, sp);
      const w = this.wait.get(cookie);
      if (!w) return;
      this.wait.delete(cookie);
      clearTimeout(w.timer);
      w.res(bdecode(m.subarray(sp + 1)));
    });
  }

  call(msg, timeoutMs = 2000) {
    const cookie = crypto.randomBytes(6).toString('hex');
    return new Promise((res, rej) => {
      const timer = setTimeout(() => {
        this.wait.delete(cookie);
        rej(new Error(`rtpengine: no answer to ${msg.command}`));
      }, timeoutMs);
      this.wait.set(cookie, { res, timer });
      this.sock.send(`${cookie} ${bencode(msg)}`, this.port, '127.0.0.1');
    });
  }

  close() { this.sock.close(); }
}

function sdp(port) {
  return ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=bench',
    'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');
}

function sdpPort(text) {
  const m = /^m=audio (\d+) /m.exec(text ?? '');
  if (!m) throw new Error(`rtpengine: no m=audio in ${text}`);
  return Number(m[1]);
}

// One call through rtpengine between an A side on portA and a B side on
// portB (both on 127.0.0.1). Returns { toA, toB }: A sends to toA (and it
// comes out at B), B sends to toB.
export async function rtpCall(ng, id, portA, portB) {
  const o = await ng.call({ command: 'offer', 'call-id': id,
    'from-tag': `${id}-a`, sdp: sdp(portA) });
  if (o.result !== 'ok') throw new Error(`offer: ${JSON.stringify(o)}`);
  const a = await ng.call({ command: 'answer', 'call-id': id,
    'from-tag': `${id}-a`, 'to-tag': `${id}-b`, sdp: sdp(portB) });
  if (a.result !== 'ok') throw new Error(`answer: ${JSON.stringify(a)}`);
  return { toA: sdpPort(a.sdp), toB: sdpPort(o.sdp) };
}

// Start rtpengine; resolves once it answers ping. kill() by its pid.
export async function startRtpengine({ ngPort, portMin, portMax }) {
  const p = spawn('rtpengine', ['--config-file=none', '--table=-1',
    '--interface=127.0.0.1', `--listen-ng=127.0.0.1:${ngPort}`,
    '--foreground', '--log-stderr', '--log-level=4',
    `--port-min=${portMin}`, `--port-max=${portMax}`, '--delete-delay=0'],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  p.stderr.on('data', (d) => { log = (log + d).slice(-4000); });
  const ng = new Ng(ngPort);
  let killed = false;
  const kill = () => {
    if (killed) return;
    killed = true;
    ng.close();
    try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  process.on('exit', kill);
  for (let t = 0; t < 50; t++) {
    if (p.exitCode !== null) break;
    try {
      const r = await ng.call({ command: 'ping' }, 200);
      if (r.result === 'pong') return { pid: p.pid, ng, kill };
    } catch { /* not up yet */ }
  }
  kill();
  throw new Error(`rtpengine did not start: ${log}`);
}
