// The WSS audio channel (docs/API.md, "/ws/audio"): a text hello with the
// session token, then binary frames both ways.
//
// Down: type 1, 1292 bytes, every 20 ms: u8 type, u8 flags, u16 reserved,
// u32 seq, u16 peak_headset, u16 peak_speaker, 640 int16 interleaved
// headset/speaker at 16 kHz. Up: type 2, 648 bytes: the same 8-byte head
// and 320 int16 mono samples (only while PTT is on).
//
// Like the control channel it reconnects with backoff (../socket.js) and
// says hello again; routing lives on the server, so the audio simply
// carries on. A link that goes silent (no frame for SILENT_MS, while the
// server sends one every 20 ms) is presumed dead and replaced.

import { Socket, FATAL_HELLO } from '../socket.js';

export const DOWN_TYPE = 1;
export const UP_TYPE = 2;
export const DOWN_BYTES = 1292;
export const UP_BYTES = 648;
export const SAMPLES = 320;
const HEAD = 12;

const SILENT_MS = 5000;

// A down frame, or null when it is not one
export function parseDown(buf) {
  if (!(buf instanceof ArrayBuffer) || buf.byteLength !== DOWN_BYTES) {
    return null;
  }
  const dv = new DataView(buf);
  if (dv.getUint8(0) !== DOWN_TYPE) return null;
  return {
    seq: dv.getUint32(4, true),
    peaks: [dv.getUint16(8, true), dv.getUint16(10, true)],
    pcm: new Int16Array(buf, HEAD, 2 * SAMPLES),
  };
}

// An up frame from 320 mono samples
export function packUp(seq, pcm) {
  const buf = new ArrayBuffer(UP_BYTES);
  const dv = new DataView(buf);
  dv.setUint8(0, UP_TYPE);
  dv.setUint32(4, seq >>> 0, true);
  for (let i = 0; i < SAMPLES; i++) dv.setInt16(8 + 2 * i, pcm[i], true);
  return buf;
}

export class AudioLink extends Socket {
  // onFrame(frame) for every down frame, onState({state, ...}) on changes,
  // onEnd(reason) when the server refuses the session for good
  constructor(token, { onFrame, onState, onEnd } = {}) {
    super('/ws/audio');
    this.token = token;
    this.onFrame = onFrame || (() => {});
    this.onState = onState || (() => {});
    this.onEnd = onEnd || (() => {});
    this.format = null;
    this.connects = 0;       // successful hellos, for diagnosis and tests
    this.watchdog = null;
    this.lastFrameAt = 0;
    this.error = null;       // last refusal {code, reason}
  }

  attach(ws) {
    ws.binaryType = 'arraybuffer';
    this.helloDone = false;
    ws.onopen = () => ws.send(JSON.stringify({ op: 'hello',
      token: this.token }));
    ws.onmessage = (ev) => this.receive(ws, ev.data);
  }

  receive(ws, data) {
    if (ws !== this.ws) return;
    if (typeof data === 'string') {
      this.answer(data);
      return;
    }
    if (!this.helloDone) return;
    const f = parseDown(data);
    if (!f) return;
    this.lastFrameAt = performance.now();
    this.onFrame(f);
  }

  answer(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (this.helloDone || !msg) return;
    if (msg.ok) {
      this.helloDone = true;
      this.format = msg.format || null;
      this.attempt = 0;
      this.connects++;
      this.error = null;
      this.lastFrameAt = performance.now();
      this.watchdog = setInterval(() => this.watch(), 1000);
      this.setState('open');
      return;
    }
    const e = msg.error || {};
    this.error = { code: e.code || 0, reason: e.reason || 'refused' };
    if (FATAL_HELLO.has(e.code)) this.end(this.error.reason);
    // otherwise the server closes and onclose retries
  }

  watch() {
    if (performance.now() - this.lastFrameAt > SILENT_MS) this.drop();
  }

  // Sends an up frame; false when the link is not open
  send(buf) {
    if (this.state !== 'open' || !this.ws ||
      this.ws.readyState !== WebSocket.OPEN) return false;
    // A stalled socket must not queue seconds of stale voice
    if (this.ws.bufferedAmount > 16 * UP_BYTES) return false;
    this.ws.send(buf);
    return true;
  }

  detach() {
    clearInterval(this.watchdog);
    this.watchdog = null;
  }

  ended(reason) {
    this.onEnd(reason);
  }

  stateChanged(st) {
    this.onState(st);
  }
}
