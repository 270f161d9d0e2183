// AudioWorklet: the microphone at the context's rate (44.1 or 48 kHz) to
// 16 kHz mono int16 frames of 20 ms (320 samples), as the audio channel
// carries them up.
//
// Resampling is a windowed-sinc interpolator with its cut-off below 8 kHz,
// so nothing above the new Nyquist folds back into the voice band; the
// kernel is tabulated once, with linear interpolation between entries.
//
// Messages out: {type: 'frame', pcm: Int16Array(320)} (buffer transferred).
// Messages in: {type: 'reset'}: forget what was buffered (PTT pressed
// again, so the first frame is fresh sound).

const OUT_RATE = 16000;
const FRAME = 320;
const CUTOFF_HZ = 7200;
const HALF = 16;               // kernel half width, in input samples
const PHASES = 128;            // table entries per input sample
const RING = 4096;             // input history (power of two)

function kernel(fc) {
  const n = 2 * HALF * PHASES + 1;
  const t = new Float32Array(n + 1);
  for (let k = 0; k < n; k++) {
    const d = (k - HALF * PHASES) / PHASES;
    const x = 2 * fc * d;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    // Blackman window over [-HALF, HALF]
    const w = 0.42 + 0.5 * Math.cos(Math.PI * d / HALF) +
      0.08 * Math.cos(2 * Math.PI * d / HALF);
    t[k] = 2 * fc * sinc * w;
  }
  return t;
}

class Capture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / OUT_RATE;
    this.table = kernel(CUTOFF_HZ / sampleRate);
    this.ring = new Float32Array(RING);
    this.written = 0;          // input samples received so far
    this.next = HALF;          // input time of the next output sample
    this.frame = new Int16Array(FRAME);
    this.fill = 0;
    this.port.onmessage = (ev) => {
      if (ev.data && ev.data.type === 'reset') this.fill = 0;
    };
  }

  at(t) {
    const lo = Math.ceil(t - HALF);
    const hi = Math.floor(t + HALF);
    const tab = this.table;
    let y = 0;
    for (let i = lo; i <= hi; i++) {
      const p = (t - i + HALF) * PHASES;
      const k = Math.floor(p);
      const h = tab[k] + (tab[k + 1] - tab[k]) * (p - k);
      y += this.ring[i & (RING - 1)] * h;
    }
    return y;
  }

  emit(y) {
    const s = Math.round(y * 32767);
    this.frame[this.fill++] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
    if (this.fill < FRAME) return;
    const pcm = this.frame;
    this.frame = new Int16Array(FRAME);
    this.fill = 0;
    this.port.postMessage({ type: 'frame', pcm }, [pcm.buffer]);
  }

  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    for (let i = 0; i < input.length; i++) {
      this.ring[(this.written + i) & (RING - 1)] = input[i];
    }
    this.written += input.length;
    while (this.next + HALF < this.written) {
      this.emit(this.at(this.next));
      this.next += this.ratio;
    }
    return true;
  }
}

registerProcessor('iccs-capture', Capture);
