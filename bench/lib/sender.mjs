// The RTP sender of bench/latency.mjs, on its own thread so the main
// thread's work (TLS, WebSocket frames, /metrics) cannot delay a packet.
// Paces with Atomics.wait on the monotonic clock; writes each packet's
// send time (ms, process.hrtime: the same clock as the main thread) into
// the shared array `sent`, indexed by packet.
import dgram from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { rtpPacket, pcmuPayload, tone, ulawEncode, FRAME } from
  '../../tests/lib/rtp.mjs';

const { total, warmup, perBurst, burstPkts, segBursts, segments,
  sent } = workerData;
const sentAt = new Float64Array(sent);
const nap = new Int32Array(new SharedArrayBuffer(4));
const now = () => Number(process.hrtime.bigint()) / 1e6;

async function bind() {
  const s = dgram.createSocket('udp4');
  await new Promise((res) => s.bind(0, '127.0.0.1', res));
  return s;
}

const toIccs = await bind();
const toEng = await bind();
parentPort.postMessage({ engPort: toEng.address().port });
const { iccsPort, engPort } = await new Promise((res) =>
  parentPort.once('message', res));
// connected: send() skips the address lookup, which would wait for an
// event loop turn that Atomics.wait does not give
await new Promise((res) => toIccs.connect(iccsPort, '127.0.0.1', res));
await new Promise((res) => toEng.connect(engPort, '127.0.0.1', res));

const silence = Buffer.alloc(160, ulawEncode(0));
const start = now() + 50;
let ts = 0;
for (let i = 0; i < total; i++) {
  const j = Math.max(0, i - warmup);
  const burst = Math.floor(j / perBurst);
  const seg = Math.floor(burst / segBursts);
  const k = j % perBurst;
  const first = i >= warmup && k === 0 && burst % segBursts === 0;
  if (first) ts += 0x10000 + 4321 * seg;    // a new talker's clock
  const payload = i >= warmup && k < burstPkts
    ? pcmuPayload(tone(1000, -12, FRAME, k * FRAME)) : silence;
  const pkt = rtpPacket({ pt: 0, seq: i, ts: ts += 160,
    ssrc: 0x51a70 + seg, marker: i === 0 || first, payload });
  const wait = start + i * 20 + seg * 20 / segments - now();
  if (wait > 0) Atomics.wait(nap, 0, 0, wait);
  sentAt[i] = now();
  toIccs.send(pkt);
  toEng.send(pkt);
}
await new Promise((res) => setTimeout(res, 100));
toIccs.close();
toEng.close();
parentPort.postMessage({ done: true });
