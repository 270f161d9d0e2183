// The console's audio engine: the audio channel, playback of the headset
// and speaker channels, level meters, the microphone.
//
// Each channel has an AudioContext of its own, so each can play on its
// own output device (AudioContext.setSinkId) as control room desks wire
// a headset and a loudspeaker; where the browser cannot choose, both
// play on the default device. The microphone is captured in the headset
// context (the operator's headset carries it).
//
// One engine per session, shared by whoever needs audio (acquireAudio);
// window.iccs.audio exposes it for diagnosis and the browser tests.
import { AudioLink, packUp, SAMPLES } from './link.js';

export const CHANNELS = ['headset', 'speaker'];
const SINK_KEY = (ch) => `iccs.sink.${ch}`;
const METER_DECAY = 0.9;       // per read (about one per animation frame)
const MIC_CONSTRAINTS = { audio: { echoCancellation: false,
  noiseSuppression: false, autoGainControl: false } };

const moduleUrl = (name) => new URL(name, import.meta.url).href;

export const sinkSupported = () => typeof AudioContext !== 'undefined' &&
  'setSinkId' in AudioContext.prototype;

// Dominant frequency (FFT peak, refined by parabolic interpolation of the
// dB spectrum) and RMS of what the analyser holds: its fftSize samples,
// about 190 ms
export function analyseNode(a, rate) {
  const t = new Float32Array(a.fftSize);
  a.getFloatTimeDomainData(t);
  let sum = 0;
  for (const v of t) sum += v * v;
  const rms = Math.sqrt(sum / t.length);
  const f = new Float32Array(a.frequencyBinCount);
  a.getFloatFrequencyData(f);
  let k = 2;
  for (let i = 3; i < f.length - 1; i++) if (f[i] > f[k]) k = i;
  const l = f[k - 1];
  const c = f[k];
  const r = f[k + 1];
  const den = l - 2 * c + r;
  const off = den !== 0 && Number.isFinite(den) ? 0.5 * (l - r) / den : 0;
  const hz = rms > 0 ? (k + off) * rate / a.fftSize : 0;
  return { hz, rms, dbfs: rms > 0 ? 20 * Math.log10(rms) : -Infinity };
}

class Channel {
  constructor(name) {
    this.name = name;
    this.ctx = new AudioContext({ latencyHint: 'interactive' });
    this.node = null;
    this.analyser = null;
    this.stats = { depthMs: 0, targetMs: 0, underruns: 0, dropped: 0,
      playing: false };
    this.sink = '';
    this.meter = 0;            // decayed peak, 0..1
  }

  async init() {
    await this.ctx.audioWorklet.addModule(moduleUrl('playback-worklet.js'));
    const node = new AudioWorkletNode(this.ctx, 'iccs-playback', {
      numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
    node.port.onmessage = (ev) => {
      if (ev.data && ev.data.type === 'stats') this.stats = ev.data;
    };
    const a = this.ctx.createAnalyser();
    a.fftSize = this.ctx.sampleRate > 48000 ? 16384 : 8192;
    a.smoothingTimeConstant = 0;
    node.connect(a);
    a.connect(this.ctx.destination);
    this.node = node;
    this.analyser = a;
  }

  push(pcm, peak) {
    this.meter = Math.max(this.meter, peak / 32768);
    if (!this.node) return;
    this.node.port.postMessage({ type: 'frame', pcm }, [pcm.buffer]);
  }

  level() {
    const v = this.meter;
    this.meter *= METER_DECAY;
    return v;
  }

  async setSink(id) {
    if (!sinkSupported()) return;
    await this.ctx.setSinkId(id || '');
    this.sink = id || '';
  }

  close() {
    this.ctx.close().catch(() => {});
  }
}

export class AudioEngine {
  constructor(control) {
    this.control = control;
    this.chan = {};
    for (const c of CHANNELS) this.chan[c] = new Channel(c);
    this.framesReceived = 0;
    this.framesLost = 0;
    this.micFramesSent = 0;
    this.micFramesCaptured = 0;
    this.lastSeq = null;
    this.micSeq = 0;
    this.transmitting = false;   // set by the PTT controller
    this.mic = { state: 'off', reason: '' };   // off|opening|open|denied
    this.subs = new Set();
    this.ready = Promise.all(CHANNELS.map((c) => this.chan[c].init()))
      .catch((err) => {
        this.failed = err.message || String(err);
        console.error('audio engine', err);
      });
    this.link = new AudioLink(control.token, {
      onFrame: (f) => this.frame(f),
      onState: () => this.changed(),
      onEnd: () => this.changed(),
    });
    this.resumeOnGesture();
    this.restoreSinks();
  }

  start() {
    this.link.start();
    this.openMicIfAllowed();
    return this;
  }

  frame(f) {
    this.framesReceived++;
    if (this.lastSeq !== null) {
      const gap = (f.seq - this.lastSeq - 1) >>> 0;
      if (gap > 0 && gap < 0x80000000) this.framesLost += gap;
    }
    this.lastSeq = f.seq;
    const hs = new Float32Array(SAMPLES);
    const sp = new Float32Array(SAMPLES);
    const pcm = f.pcm;
    for (let i = 0; i < SAMPLES; i++) {
      hs[i] = pcm[2 * i] / 32768;
      sp[i] = pcm[2 * i + 1] / 32768;
    }
    this.chan.headset.push(hs, f.peaks[0]);
    this.chan.speaker.push(sp, f.peaks[1]);
  }

  // A context created without a user gesture (a reload restoring the
  // session) starts suspended: the next click or key starts it
  resumeOnGesture() {
    const resume = () => {
      for (const c of CHANNELS) {
        if (this.chan[c].ctx.state === 'suspended') {
          this.chan[c].ctx.resume().then(() => this.changed(), () => {});
        }
      }
    };
    this.gesture = resume;
    for (const ev of ['pointerdown', 'keydown']) {
      document.addEventListener(ev, resume, true);
    }
    for (const c of CHANNELS) {
      this.chan[c].ctx.onstatechange = () => this.changed();
    }
  }

  suspended() {
    return CHANNELS.some((c) => this.chan[c].ctx.state === 'suspended');
  }

  resume() {
    if (this.gesture) this.gesture();
  }

  // --- output devices ------------------------------------------------------

  async outputs() {
    if (!sinkSupported() || !navigator.mediaDevices ||
      !navigator.mediaDevices.enumerateDevices) return [];
    const all = await navigator.mediaDevices.enumerateDevices();
    return all.filter((d) => d.kind === 'audiooutput' &&
      d.deviceId !== 'default' && d.deviceId !== '');
  }

  async setSink(ch, id) {
    await this.chan[ch].setSink(id);
    if (id) localStorage.setItem(SINK_KEY(ch), id);
    else localStorage.removeItem(SINK_KEY(ch));
    this.changed();
  }

  restoreSinks() {
    if (!sinkSupported()) return;
    for (const c of CHANNELS) {
      const id = localStorage.getItem(SINK_KEY(c));
      // a device unplugged since: the default device, not silence
      if (id) this.chan[c].setSink(id).then(() => this.changed(), () => {
        localStorage.removeItem(SINK_KEY(c));
      });
    }
  }

  sink(ch) {
    return this.chan[ch].sink;
  }

  // --- microphone ----------------------------------------------------------

  async openMicIfAllowed() {
    try {
      const p = await navigator.permissions.query({ name: 'microphone' });
      if (p.state === 'granted') await this.openMic();
    } catch {
      /* no permissions API: the first PTT asks */
    }
  }

  // Resolves once the microphone is captured (or refused: mic.state says)
  openMic() {
    if (this.micOpening) return this.micOpening;
    this.micOpening = this.doOpenMic().finally(() => {
      if (this.mic.state !== 'open') this.micOpening = null;
    });
    return this.micOpening;
  }

  async doOpenMic() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.mic = { state: 'denied', reason: 'no microphone access here' };
      this.changed();
      return;
    }
    this.mic = { state: 'opening', reason: '' };
    this.changed();
    try {
      await this.ready;
      const stream = await navigator.mediaDevices.getUserMedia(
        MIC_CONSTRAINTS);
      const ctx = this.chan.headset.ctx;
      await ctx.audioWorklet.addModule(moduleUrl('capture-worklet.js'));
      const src = ctx.createMediaStreamSource(stream);
      const node = new AudioWorkletNode(ctx, 'iccs-capture', {
        numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1],
        channelCount: 1, channelCountMode: 'explicit' });
      node.port.onmessage = (ev) => this.micFrame(ev.data);
      src.connect(node);
      // silent output: keeps the node in the rendered graph
      node.connect(ctx.destination);
      this.micStream = stream;
      this.micNode = node;
      this.mic = { state: 'open', reason: '',
        label: stream.getAudioTracks()[0]?.label || '' };
    } catch (err) {
      this.mic = { state: 'denied', reason: err.message || err.name };
    }
    this.changed();
  }

  micFrame(msg) {
    if (!msg || msg.type !== 'frame') return;
    this.micFramesCaptured++;
    if (!this.transmitting) return;
    if (this.link.send(packUp(this.micSeq, msg.pcm))) {
      this.micSeq = (this.micSeq + 1) >>> 0;
      this.micFramesSent++;
    }
  }

  setTransmitting(on) {
    if (on && !this.transmitting && this.micNode) {
      this.micNode.port.postMessage({ type: 'reset' });
    }
    this.transmitting = on;
  }

  // --- state ---------------------------------------------------------------

  get underruns() {
    return CHANNELS.reduce((n, c) => n + (this.chan[c].stats.underruns || 0),
      0);
  }

  level(ch) {
    return this.chan[ch].level();
  }

  analyser(ch) {
    return this.chan[ch].analyser;
  }

  // {hz, rms, dbfs} of the last ~190 ms of a channel
  analyse(ch) {
    const c = this.chan[ch];
    if (!c.analyser) return { hz: 0, rms: 0, dbfs: -Infinity };
    return analyseNode(c.analyser, c.ctx.sampleRate);
  }

  state() {
    const ch = {};
    for (const c of CHANNELS) {
      const x = this.chan[c];
      ch[c] = { context: x.ctx.state, rate: x.ctx.sampleRate, sink: x.sink,
        ...x.stats };
    }
    return {
      link: this.link.state,
      connects: this.link.connects,
      error: this.link.error,
      format: this.link.format,
      failed: this.failed || null,
      mic: { ...this.mic },
      transmitting: this.transmitting,
      framesReceived: this.framesReceived,
      framesLost: this.framesLost,
      micFramesSent: this.micFramesSent,
      micFramesCaptured: this.micFramesCaptured,
      underruns: this.underruns,
      channels: ch,
    };
  }

  on(fn) {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }

  changed() {
    for (const fn of [...this.subs]) {
      try {
        fn(this);
      } catch (err) {
        console.error('audio subscriber failed', err);
      }
    }
  }

  stop() {
    this.link.close();
    this.transmitting = false;
    for (const ev of ['pointerdown', 'keydown']) {
      document.removeEventListener(ev, this.gesture, true);
    }
    if (this.micStream) {
      for (const t of this.micStream.getTracks()) t.stop();
    }
    for (const c of CHANNELS) this.chan[c].close();
    this.subs.clear();
  }
}

// One engine per control link (per session), counted: the last release
// stops it
let shared = null;

export function acquireAudio(control) {
  if (!shared || shared.engine.control !== control) {
    if (shared) shared.engine.stop();
    shared = { engine: new AudioEngine(control).start(), users: 0 };
  }
  const mine = shared;
  mine.users++;
  if (window.iccs) window.iccs.audio = mine.engine;
  let released = false;
  return {
    engine: mine.engine,
    release() {
      if (released) return;
      released = true;
      if (--mine.users > 0 || shared !== mine) return;
      mine.engine.stop();
      shared = null;
      if (window.iccs && window.iccs.audio === mine.engine) {
        delete window.iccs.audio;
      }
    },
  };
}
