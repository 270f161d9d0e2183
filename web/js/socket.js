// A WebSocket to iccsd that reconnects with backoff (at most 5 s apart),
// shared by the control channel (api.js) and the audio channel
// (audio/link.js).
//
// Subclasses say what the channel does through hooks: attach(ws) wires a
// new socket's onopen/onmessage, detach() undoes per-link state when it
// goes, ended(reason) and stateChanged(st) report to the owner.

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 5000];

// A hello refused with one of these means the session is gone for good:
// retrying will not make it better.
export const FATAL_HELLO = new Set([401, 403, 404, 423]);

export class Socket {
  constructor(path) {
    this.path = path;
    this.state = 'idle';     // connecting | open | down | closed
    this.attempt = 0;
    this.ws = null;
    this.timer = null;
    this.leaving = false;    // the owner is leaving: a close is no failure
  }

  url() {
    const proto = location.protocol === 'http:' ? 'ws:' : 'wss:';
    return `${proto}//${location.host}${this.path}`;
  }

  start() {
    if (this.state === 'closed') return;
    this.setState('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    this.attach(ws);
    ws.onclose = () => this.dropped(ws);
    ws.onerror = () => {};   // onclose follows and does the work
  }

  // The link is gone (close event) or presumed dead (silence, failed ping).
  drop() {
    if (this.ws) this.dropped(this.ws);
  }

  dropped(ws) {
    if (ws !== this.ws) return;
    this.ws = null;
    ws.onopen = ws.onmessage = ws.onclose = null;
    try {
      ws.close();
    } catch {
      /* already closed */
    }
    this.detach();
    if (this.state !== 'closed' && !this.leaving) this.retry();
  }

  retry() {
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt++;
    this.retryAt = Date.now() + delay;
    this.setState('down');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.start(), delay);
  }

  end(reason) {
    if (this.state === 'closed') return;
    this.close();
    this.ended(reason);
  }

  // Stop for good: no reconnect.
  close() {
    this.setState('closed');
    clearTimeout(this.timer);
    if (this.ws) this.dropped(this.ws);
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.stateChanged({ state, attempt: this.attempt,
      retryAt: this.retryAt });
  }

  attach(ws) {}
  detach() {}
  ended(reason) {}
  stateChanged(st) {}
}
