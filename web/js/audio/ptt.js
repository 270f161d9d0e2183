// Press to talk: the on-screen button, Space held, and a USB foot pedal
// (which types a key; F8 unless configured, kept in localStorage).
//
// Transmit is on while any of them is held. The server decides: radio.ptt
// {on: true} is sent once per press, the microphone goes up only after
// it said yes, and a refusal (409: nothing selected) is shown with its
// reason (Control's error toast). Requests are serialised, so a press
// shorter than a round trip still ends with {on: false}. Losing focus
// releases everything: a key-up the page never sees must not leave the
// radio keyed.

export const PEDAL_KEY = 'iccs.pttPedal';
export const DEFAULT_PEDAL = 'F8';

export const pedalKey = () => localStorage.getItem(PEDAL_KEY) ||
  DEFAULT_PEDAL;

export function setPedalKey(code) {
  if (!code || code === DEFAULT_PEDAL) localStorage.removeItem(PEDAL_KEY);
  else localStorage.setItem(PEDAL_KEY, code);
}

function typing(target) {
  const t = target && target.tagName;
  return t === 'INPUT' || t === 'TEXTAREA' || t === 'SELECT' ||
    (target && target.isContentEditable);
}

export class Ptt {
  // engine: the AudioEngine; onChange(ptt) after every state change
  constructor(control, engine, { onChange } = {}) {
    this.control = control;
    this.engine = engine;
    this.onChange = onChange || (() => {});
    this.held = new Set();     // 'button' | 'space' | 'pedal'
    this.want = false;         // what the operator asks for
    this.sent = false;         // what the server last agreed to
    this.tx = false;           // the server says we transmit
    this.talkgroups = [];      // where (from the radio.ptt answer)
    this.target = null;        // () => private call id to talk in
    this.call = null;          // the call this press talks in
    this.mode = null;          // 'imminent_peril' | 'broadcast' | null
    this.refused = false;      // refused this press: no retry until up
    this.busy = false;
    this.capturing = false;    // waiting for the operator's pedal key
    this.keyDown = (ev) => this.key(ev, true);
    this.keyUp = (ev) => this.key(ev, false);
    this.blur = () => this.releaseAll();
    this.hidden = () => {
      if (document.hidden) this.releaseAll();
    };
    window.addEventListener('keydown', this.keyDown, true);
    window.addEventListener('keyup', this.keyUp, true);
    window.addEventListener('blur', this.blur);
    document.addEventListener('visibilitychange', this.hidden);
  }

  state() {
    if (this.tx) return 'tx';
    if (this.want && !this.refused) return 'pending';
    return 'idle';
  }

  source(ev) {
    if (ev.code === pedalKey() || (!ev.code && ev.key === pedalKey())) {
      return 'pedal';
    }
    if (ev.code === 'Space' && !typing(ev.target) && !ev.altKey &&
      !ev.ctrlKey && !ev.metaKey && !document.querySelector('dialog[open]')) {
      return 'space';
    }
    return null;
  }

  key(ev, down) {
    if (this.capturing) return;
    let src = this.source(ev);
    // a Space held before the focus moved into a field still lets go
    if (!down && !src && ev.code === 'Space' && this.held.has('space')) {
      src = 'space';
    }
    if (!src) return;
    // Space would also press whatever button has the focus
    ev.preventDefault();
    ev.stopPropagation();
    if (down && ev.repeat) return;
    if (down) this.press(src);
    else this.release(src);
  }

  press(src) {
    if (this.held.has(src)) return;
    this.held.add(src);
    if (this.held.size === 1) {
      this.refused = false;
      this.engine.openMic();
    }
    this.want = true;
    this.sync();
  }

  release(src) {
    if (!this.held.delete(src)) return;
    if (this.held.size) return;
    this.want = false;
    this.engine.setTransmitting(false);
    this.sync();
  }

  releaseAll() {
    if (!this.held.size) return;
    this.held.clear();
    this.want = false;
    this.engine.setTransmitting(false);
    this.sync();
  }

  async sync() {
    this.changed();
    if (this.busy) return;
    this.busy = true;
    try {
      while ((this.want && !this.refused) !== this.sent) {
        await this.ask(this.want && !this.refused);
      }
    } finally {
      this.busy = false;
      this.changed();
    }
  }

  // The private call PTT talks in (set by the radio panel), or null
  callTarget() {
    return this.target ? this.target() : null;
  }

  async ask(on) {
    try {
      // a release goes where the press went, even if the call ended
      const call = on ? this.callTarget() : this.call;
      const r = call
        ? await this.control.request('radio.call_ptt', { call, on })
        : await this.control.request('radio.ptt', on && this.mode
          ? { on, mode: this.mode } : { on });
      this.call = on ? call : null;
      this.sent = on;
      this.tx = call ? !!(r && r.floor && r.floor.ptt) : !!(r && r.ptt);
      this.talkgroups = call ? [] : (r && r.talkgroups) || [];
    } catch {
      // refused (toast shown) or link lost: the server did not key
      // the radio; for a release, the server ends PTT with the link
      this.sent = false;
      this.tx = false;
      if (on) this.refused = true;
    }
    this.engine.setTransmitting(this.tx && this.want);
    this.changed();
  }

  // audio.state / audio.update from the server
  serverSays(ptt) {
    const tx = !!ptt;
    if (tx === this.tx) return;
    this.tx = tx;
    if (!tx) this.sent = false;
    this.engine.setTransmitting(this.tx && this.want);
    this.changed();
    // Keyed on the server though nobody holds PTT here (a release lost
    // with the link): unkey
    if (tx && !this.want) {
      this.sent = true;
      this.sync();
    }
  }

  changed() {
    this.onChange(this);
  }

  // The next key pressed becomes the pedal key; resolves with its code
  captureKey() {
    this.capturing = true;
    return new Promise((resolve) => {
      const once = (ev) => {
        ev.preventDefault();
        ev.stopPropagation();
        window.removeEventListener('keydown', once, true);
        this.capturing = false;
        if (ev.key === 'Escape') {
          resolve(null);
          return;
        }
        const code = ev.code || ev.key;
        setPedalKey(code);
        resolve(code);
      };
      window.addEventListener('keydown', once, true);
    });
  }

  stop() {
    this.releaseAll();
    window.removeEventListener('keydown', this.keyDown, true);
    window.removeEventListener('keyup', this.keyUp, true);
    window.removeEventListener('blur', this.blur);
    document.removeEventListener('visibilitychange', this.hidden);
  }
}
