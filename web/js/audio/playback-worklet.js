// AudioWorklet: one channel of the position's audio (headset or speaker)
// from 16 kHz frames to the context's rate, through a small jitter buffer.
//
// The server sends a frame every 20 ms on its own clock; the WebSocket
// delivers them in bursts and the sound card runs on a third clock. So
// playback starts once `target` ms are buffered, an underrun (buffer
// empty) fades out, counts, and waits for `target` again (raised a
// little each time, lowered again after a quiet spell), and a buffer
// deeper than `target + SLACK_MS` drops its oldest samples: latency stays
// bounded whatever the clocks do.
//
// Messages in: {type: 'frame', pcm: Float32Array (320 samples, 16 kHz)}.
// Messages out, every STATS_MS: {type: 'stats', depthMs, targetMs,
// underruns, dropped, playing}.

const IN_RATE = 16000;
const RING = 16384;            // ~1 s at 16 kHz: far more than ever kept
const TARGET_MS = 60;
const TARGET_MIN_MS = 60;
const TARGET_MAX_MS = 160;
const TARGET_STEP_MS = 20;
const SLACK_MS = 140;          // beyond target + this, drop the oldest
const CALM_MS = 10000;         // no underrun for this long: target - step
const STATS_MS = 250;
const FADE = 64;               // output samples to fade out at an underrun

const msToSamples = (ms) => Math.round(ms * IN_RATE / 1000);

class Playback extends AudioWorkletProcessor {
  constructor() {
    super();
    this.buf = new Float32Array(RING);
    this.r = 0;                // read index (integer part of the position)
    this.frac = 0;             // fractional position between r and r + 1
    this.count = 0;            // samples stored from r on
    this.playing = false;
    this.targetMs = TARGET_MS;
    this.underruns = 0;
    this.dropped = 0;          // input samples dropped as too late
    this.step = IN_RATE / sampleRate;
    this.calmFor = 0;          // output samples since the last underrun
    this.statsIn = 0;
    this.last = 0;             // last sample played, for the fade
    this.port.onmessage = (ev) => this.receive(ev.data);
  }

  receive(msg) {
    if (!msg || msg.type !== 'frame' || !msg.pcm) return;
    const pcm = msg.pcm;
    let w = (this.r + this.count) % RING;
    for (let i = 0; i < pcm.length; i++) {
      this.buf[w] = pcm[i];
      w = (w + 1) % RING;
    }
    this.count += pcm.length;
    const max = msToSamples(this.targetMs + SLACK_MS);
    if (this.count > max || this.count > RING - 4) {
      const drop = this.count - msToSamples(this.targetMs);
      this.r = (this.r + drop) % RING;
      this.count -= drop;
      this.dropped += drop;
    }
    if (!this.playing && this.count >= msToSamples(this.targetMs)) {
      this.playing = true;
    }
  }

  // Catmull-Rom between buf[r] and buf[r + 1]: smooth enough for speech
  // at 16 kHz, and cheap
  sample() {
    const b = this.buf;
    const i0 = this.r;
    const p0 = b[(i0 + RING - 1) % RING];
    const p1 = b[i0];
    const p2 = b[(i0 + 1) % RING];
    const p3 = b[(i0 + 2) % RING];
    const t = this.frac;
    return p1 + 0.5 * t * (p2 - p0 + t * (2 * p0 - 5 * p1 + 4 * p2 - p3 +
      t * (3 * (p1 - p2) + p3 - p0)));
  }

  underrun(out, from) {
    this.playing = false;
    this.underruns++;
    this.calmFor = 0;
    this.targetMs = Math.min(TARGET_MAX_MS, this.targetMs + TARGET_STEP_MS);
    for (let i = from; i < out.length; i++) {
      const k = i - from;
      out[i] = k < FADE ? this.last * (1 - k / FADE) : 0;
    }
    this.last = 0;
  }

  process(inputs, outputs) {
    const out = outputs[0][0];
    if (!out) return true;
    if (!this.playing) {
      out.fill(0);
    } else {
      for (let i = 0; i < out.length; i++) {
        if (this.count < 3) {
          this.underrun(out, i);
          break;
        }
        const y = this.sample();
        out[i] = y;
        this.last = y;
        this.frac += this.step;
        while (this.frac >= 1) {
          this.frac -= 1;
          this.r = (this.r + 1) % RING;
          this.count--;
        }
      }
    }
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    this.tick(out.length);
    return true;
  }

  tick(n) {
    this.calmFor += n;
    if (this.calmFor >= CALM_MS * sampleRate / 1000) {
      this.calmFor = 0;
      this.targetMs = Math.max(TARGET_MIN_MS, this.targetMs - TARGET_STEP_MS);
    }
    this.statsIn += n;
    if (this.statsIn < STATS_MS * sampleRate / 1000) return;
    this.statsIn = 0;
    this.port.postMessage({ type: 'stats', playing: this.playing,
      depthMs: this.count * 1000 / IN_RATE, targetMs: this.targetMs,
      underruns: this.underruns, dropped: this.dropped });
  }
}

registerProcessor('iccs-playback', Playback);
