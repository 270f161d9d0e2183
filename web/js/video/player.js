// One live camera in a <video>: a /ws/video channel (reconnecting), the
// fMP4 pieces it brings fed to Media Source Extensions, kept at the live
// edge.
//
// The server starts every camera at a keyframe (its GOP cache), so the
// first picture appears as soon as the init segment and the first
// fragment are appended.  A new init segment (another camera, or the same
// camera after a reconnect) gets a fresh MediaSource: simpler and as fast
// as changeType, and nothing old lingers in the buffer.
import { Socket, FATAL_HELLO } from '../socket.js';

const LIVE_LAG_S = 0.3;      // further behind than this: jump to the edge
const CATCH_UP_S = 0.08;     // behind more than this: play a little faster
const KEEP_S = 10;           // buffer kept behind the playhead

export class VideoChannel extends Socket {
  constructor(token, video, { onState } = {}) {
    super('/ws/video');
    this.token = token;
    this.video = video;
    this.onState = onState || (() => {});
    this.camera = null;       // what we want to see
    this.ms = null;
    this.sb = null;
    this.queue = [];
    this.expectInit = false;
    this.firstFrameAt = 0;
    this.selectedAt = 0;
  }

  attach(ws) {
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => ws.send(JSON.stringify({ op: 'hello',
      token: this.token }));
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') this.text(ev.data);
      else this.binary(ev.data);
    };
  }

  text(data) {
    let m;
    try {
      m = JSON.parse(data);
    } catch {
      return;
    }
    if (m.event === 'init') {
      this.firstFrameAt = 0;
      this.reset(m.codec);
      this.expectInit = true;
      this.onState({ state: 'loading', camera: m.camera, info: m });
    } else if (m.event === 'offline') {
      this.teardown();
      this.onState({ state: 'offline', camera: m.camera,
        reason: m.reason });
    } else if (m.ok === true && m.camera === undefined && !this.helloDone) {
      this.helloDone = true;
      this.attempt = 0;
      this.setState('open');
      if (this.camera) this.sendView();
    } else if (m.ok === false && m.error) {
      if (!this.helloDone && FATAL_HELLO.has(m.error.code)) {
        this.end(m.error.reason);
        return;
      }
      this.onState({ state: 'error', camera: this.camera,
        reason: m.error.reason });
    }
  }

  binary(buf) {
    if (!this.ms) return;
    this.queue.push(buf);
    this.expectInit = false;
    this.pump();
  }

  detach() {
    this.helloDone = false;
    this.teardown();
  }

  stateChanged(st) {
    if (st.state === 'down') this.onState({ state: 'reconnecting',
      camera: this.camera });
  }

  sendView() {
    if (this.ws && this.helloDone) {
      this.ws.send(JSON.stringify({ op: 'view', camera: this.camera }));
    }
  }

  view(camera) {
    this.camera = camera || null;
    this.selectedAt = performance.now();
    this.firstFrameAt = 0;
    this.teardown();
    this.onState({ state: camera ? 'loading' : 'idle', camera });
    if (this.state === 'idle') this.start();
    else this.sendView();
  }

  reset(codec) {
    this.teardown();
    const ms = new MediaSource();
    this.ms = ms;
    this.video.src = URL.createObjectURL(ms);
    ms.addEventListener('sourceopen', () => {
      if (this.ms !== ms) return;
      URL.revokeObjectURL(this.video.src);
      try {
        this.sb = ms.addSourceBuffer(`video/mp4; codecs="${codec}"`);
      } catch (err) {
        this.onState({ state: 'error', camera: this.camera,
          reason: `browser cannot play ${codec}` });
        return;
      }
      this.sb.mode = 'segments';
      this.sb.addEventListener('updateend', () => this.pump());
      this.pump();
    }, { once: true });
    this.video.muted = true;
    this.video.play().catch(() => {});
  }

  teardown() {
    this.queue = [];
    this.sb = null;
    if (this.ms) {
      this.ms = null;
      this.video.removeAttribute('src');
      this.video.load();
    }
  }

  pump() {
    const sb = this.sb;
    if (!sb || sb.updating) return;
    this.edge();
    if (this.trim()) return;
    const buf = this.queue.shift();
    if (!buf) return;
    try {
      sb.appendBuffer(buf);
    } catch (err) {
      // QuotaExceeded and the like: start again from the next init
      this.onState({ state: 'error', camera: this.camera,
        reason: err.message });
    }
  }

  // Stay at the live edge: a stall or a hidden tab must not turn into
  // seconds of delay
  edge() {
    const v = this.video;
    const b = this.sb && this.sb.buffered;
    if (!b || !b.length) return;
    const end = b.end(b.length - 1);
    if (!this.firstFrameAt && end > 0) this.firstFrame();
    const lag = end - v.currentTime;
    if (v.currentTime < b.start(0) || lag > LIVE_LAG_S) {
      v.currentTime = Math.max(b.start(0), end - 0.04);
    }
    // a small lag is eaten by playing 10 % fast, not by a visible jump
    v.playbackRate = lag > CATCH_UP_S ? 1.1 : 1.0;
    if (v.paused) v.play().catch(() => {});
  }

  // Live once a picture is on screen: the first frame the compositor
  // presents (requestVideoFrameCallback), else the first one buffered
  firstFrame() {
    this.firstFrameAt = -1;
    const done = () => {
      this.firstFrameAt = performance.now();
      this.onState({ state: 'live', camera: this.camera,
        switchMs: this.firstFrameAt - this.selectedAt });
    };
    if (this.video.requestVideoFrameCallback) {
      const ms = this.ms;
      this.video.requestVideoFrameCallback(() => {
        if (this.ms === ms) done();
      });
    } else {
      done();
    }
  }

  trim() {
    const b = this.sb.buffered;
    if (!b.length) return false;
    const cut = this.video.currentTime - KEEP_S;
    if (cut - b.start(0) < 2) return false;
    this.sb.remove(b.start(0), cut);
    return true;
  }
}
