// A test peer for the audio path: an RTP endpoint on UDP (node dgram)
// speaking G.711 µ-law, the console audio channel (/ws/audio) as a
// client, and the signal checks the tests make (Goertzel, SNR).
import dgram from 'node:dgram';
import fs from 'node:fs';
import WebSocket from 'ws';

export const RATE = 16000;
export const FRAME = 320;          // samples of a 20 ms frame at 16 kHz

// ---- G.711 µ-law (ITU-T G.711), for the peer's own packets ----
export function ulawEncode(s) {
  const BIAS = 0x84, CLIP = 32635;
  let sign = (s >> 8) & 0x80;
  if (sign) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exp = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exp > 0; mask >>= 1) exp--;
  const mant = (s >> (exp + 3)) & 0x0f;
  return ~(sign | (exp << 4) | mant) & 0xff;
}

export function ulawDecode(u) {
  u = ~u & 0xff;
  const sign = u & 0x80, exp = (u >> 4) & 0x07, mant = u & 0x0f;
  const s = (((mant << 3) + 0x84) << exp) - 0x84;
  return sign ? -s : s;
}

// A sine at `hz`, amplitude from dBFS, `n` samples from sample index `t0`
export function tone(hz, dbfs, n, t0 = 0, rate = RATE) {
  const a = 32767 * 10 ** (dbfs / 20);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.round(a * Math.sin(2 * Math.PI * hz * (t0 + i) / rate));
  }
  return out;
}

// Power of one frequency in a block (Goertzel), normalised to the block
export function goertzel(x, hz, rate = RATE) {
  const k = 2 * Math.cos(2 * Math.PI * hz / rate);
  let s1 = 0, s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i] + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (x.length * x.length);
}

export function rms(x) {
  let e = 0;
  for (const v of x) e += v * v;
  return Math.sqrt(e / Math.max(1, x.length));
}

// Strongest of a scan of frequencies, 100 Hz to 4 kHz in 50 Hz steps
export function dominant(x, rate = RATE) {
  let best = 0, bestHz = 0;
  for (let hz = 100; hz <= 4000; hz += 50) {
    const p = goertzel(x, hz, rate);
    if (p > best) { best = p; bestHz = hz; }
  }
  return bestHz;
}

// Signal to everything-else ratio in dB of a pure tone in x (fit the
// sine's amplitude and phase, subtract, compare energies)
export function toneSnr(x, hz, rate = RATE) {
  let c = 0, s = 0;
  for (let i = 0; i < x.length; i++) {
    c += x[i] * Math.cos(2 * Math.PI * hz * i / rate);
    s += x[i] * Math.sin(2 * Math.PI * hz * i / rate);
  }
  c *= 2 / x.length; s *= 2 / x.length;
  let sig = 0, err = 0;
  for (let i = 0; i < x.length; i++) {
    const fit = c * Math.cos(2 * Math.PI * hz * i / rate) +
      s * Math.sin(2 * Math.PI * hz * i / rate);
    sig += fit * fit;
    err += (x[i] - fit) ** 2;
  }
  return 10 * Math.log10(sig / Math.max(err, 1e-9));
}

// ---- RTP ----
export function rtpPacket({ pt = 0, seq, ts, ssrc, marker = false,
  payload }) {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  Buffer.from(payload).copy(b, 12);
  return b;
}

export function rtpParse(b) {
  if (b.length < 12 || (b[0] >> 6) !== 2) return null;
  const cc = b[0] & 0x0f;
  let off = 12 + 4 * cc;
  if (b[0] & 0x10) off += 4 + 4 * b.readUInt16BE(off + 2);
  let end = b.length;
  if (b[0] & 0x20) end -= b[b.length - 1];
  return {
    pt: b[1] & 0x7f, marker: !!(b[1] & 0x80), seq: b.readUInt16BE(2),
    ts: b.readUInt32BE(4), ssrc: b.readUInt32BE(8),
    payload: b.subarray(off, end),
  };
}

// 20 ms of 16 kHz audio as a PCMU payload at 8 kHz (every other sample
// after a light two-tap average: the tests use tones well below 4 kHz)
export function pcmuPayload(pcm16k) {
  const out = Buffer.alloc(pcm16k.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = ulawEncode((pcm16k[2 * i] + pcm16k[2 * i + 1]) >> 1);
  }
  return out;
}

// Bind a UDP socket on an even port whose odd neighbour is free too (an
// RTP/RTCP pair), chosen by the kernel so parallel runs never collide
export async function udpPair() {
  for (let tries = 0; tries < 50; tries++) {
    const rtp = dgram.createSocket('udp4');
    await new Promise((res, rej) => {
      rtp.once('error', rej);
      rtp.bind(0, '127.0.0.1', res);
    });
    const port = rtp.address().port;
    if (port % 2 === 0 && port < 65534) {
      const rtcp = dgram.createSocket('udp4');
      const ok = await new Promise((res) => {
        rtcp.once('error', () => res(false));
        rtcp.bind(port + 1, '127.0.0.1', () => res(true));
      });
      if (ok) return { rtp, rtcp, port };
    }
    rtp.close();
  }
  throw new Error('no free even UDP port pair');
}

// A free even port for iccsd to bind (and its odd neighbour)
export async function freeRtpPort() {
  const p = await udpPair();
  p.rtp.close();
  p.rtcp.close();
  return p.port;
}

// ---- the console audio channel ----
export class AudioClient {
  static connect(h, token) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`wss://127.0.0.1:${h.port}/ws/audio`,
        { ca: h.ca, rejectUnauthorized: true });
      const c = new AudioClient(ws);
      ws.once('open', () => ws.send(JSON.stringify({ op: 'hello', token })));
      ws.once('error', reject);
      c.ready = new Promise((res, rej) => { c._ready = { res, rej }; });
      c.ready.then(() => resolve(c), reject);
    });
  }

  constructor(ws) {
    this.ws = ws;
    this.frames = [];       // {seq, peak:[h,s], headset, speaker}
    this.format = null;
    this.micSeq = 0;
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        const m = JSON.parse(data.toString());
        if (m.ok) { this.format = m.format; this._ready.res(m); }
        else this._ready.rej(new Error(JSON.stringify(m)));
        return;
      }
      this.frames.push(AudioClient.parse(data));
    });
  }

  static parse(b) {
    if (b.length !== 1292 || b[0] !== 1) {
      throw new Error(`bad audio frame: ${b.length} bytes, type ${b[0]}`);
    }
    const headset = new Int16Array(FRAME), speaker = new Int16Array(FRAME);
    for (let i = 0; i < FRAME; i++) {
      headset[i] = b.readInt16LE(12 + 4 * i);
      speaker[i] = b.readInt16LE(14 + 4 * i);
    }
    return { seq: b.readUInt32LE(4), peak: [b.readUInt16LE(8),
      b.readUInt16LE(10)], headset, speaker };
  }

  sendMic(pcm) {
    const b = Buffer.alloc(8 + 2 * FRAME);
    b[0] = 2;
    b.writeUInt32LE(this.micSeq++ >>> 0, 4);
    for (let i = 0; i < FRAME; i++) b.writeInt16LE(pcm[i], 8 + 2 * i);
    this.ws.send(b);
  }

  // The last `ms` of one channel, as one array
  last(channel, ms) {
    const n = Math.ceil(ms / 20);
    const fr = this.frames.slice(-n);
    const out = new Int16Array(fr.length * FRAME);
    fr.forEach((f, i) => out.set(f[channel], i * FRAME));
    return out;
  }

  close() {
    this.ws.close();
    return new Promise((res) => {
      if (this.ws.readyState === WebSocket.CLOSED) res();
      else this.ws.once('close', res);
    });
  }
}

// ---- fixtures shared by the system and browser audio tests ----

// A 16-bit mono PCM WAV of a sine
export function writeWav(file, { hz = 1000, dbfs = -12, ms = 1000,
  rate = 8000 } = {}) {
  const n = Math.round(rate * ms / 1000);
  const b = Buffer.alloc(44 + 2 * n);
  b.write('RIFF', 0); b.writeUInt32LE(36 + 2 * n, 4); b.write('WAVE', 8);
  b.write('fmt ', 12); b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22); b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(2 * rate, 28); b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(2 * n, 40);
  tone(hz, dbfs, n, 0, rate).forEach((v, i) => b.writeInt16LE(v, 44 + 2 * i));
  fs.writeFileSync(file, b);
}

// A config patch giving the harness's talkgroup a gateway RTP stream
// (and, with wavDir, the sound files audio.play may play)
export function gatewayPatch({ local, remote, codec = 'PCMU', wavDir }) {
  return (text) => text.replace(/^( {4}preferred_bearer: esn\n)/m,
    `$1    rtp_local: "127.0.0.1:${local}"\n` +
    `    rtp_remote: "127.0.0.1:${remote}"\n    codec: ${codec}\n`) +
    (wavDir ? `media:\n  wav_dir: ${wavDir}\n` : '');
}

// The talkgroup's far end: an RTP/RTCP socket pair recording what arrives
export async function rtpPeer() {
  const pair = await udpPair();
  const p = { port: pair.port, rtp: pair.rtp, packets: [], lastAt: 0 };
  pair.rtp.on('message', (b) => {
    const r = rtpParse(b);
    if (!r) return;
    p.lastAt = Date.now();
    p.packets.push({ ...r, at: p.lastAt });
  });
  p.close = () => Promise.all([pair.rtp, pair.rtcp].map((s) =>
    new Promise((res) => s.close(res))));
  return p;
}
