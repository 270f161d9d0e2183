// Small promise-based client for the WSS JSON control channel
// (docs/API.md, "/ws/control"): requests with ids, replies matched by id,
// server events kept in order so a test can wait for one that may already
// have arrived.
import WebSocket from 'ws';

const DEFAULT_TIMEOUT = 5000;

export class WsClient {
  constructor(ws, url) {
    this.ws = ws;
    this.url = url;
    this.nextId = 1;
    this.messages = [];     // every parsed message, in arrival order
    this.events = [];       // the event messages' {event, data}
    this.raw = [];          // every text frame as received
    this.session = null;    // hello result, set by openConsole()
    this.closeInfo = null;  // {code, reason} once closed
    this._consumed = new WeakSet();
    this._calls = new Map();  // id -> {resolve, reject, timer, op}
    this._waiters = [];       // {pred, resolve, reject, timer, what}
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        this._failAll(`connection closed (${code} ${reason})`);
        resolve(this.closeInfo);
      });
    });
    ws.on('message', (data, isBinary) => this._onMessage(data, isBinary));
    ws.on('error', (err) => {
      this.lastError = err;
    });
  }

  // Connect; rejects on TLS or HTTP upgrade failure (e.g. 401, 404)
  static connect(url, { ca, timeoutMs = DEFAULT_TIMEOUT, headers } = {}) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        ca,
        rejectUnauthorized: true,
        headers,
        handshakeTimeout: timeoutMs,
        // the server's limit is what is under test, not ours
        maxPayload: 16 * 1024 * 1024,
      });
      const client = new WsClient(ws, url);
      const fail = (err) => reject(new Error(`WSS connect to ${url}: ` +
        `${err.message}`));
      ws.once('open', () => {
        ws.off('error', fail);
        resolve(client);
      });
      ws.once('error', fail);
      ws.once('unexpected-response', (req, res) => {
        ws.off('error', fail);
        reject(new Error(`WSS connect to ${url}: HTTP ${res.statusCode}`));
        req.destroy();
      });
    });
  }

  _onMessage(data, isBinary) {
    const text = data.toString();
    this.raw.push(text);
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      msg = { unparsable: text };
    }
    this.messages.push(msg);
    if (msg && typeof msg.event === 'string') this.events.push(msg);
    if (msg && msg.id !== undefined && this._calls.has(msg.id) &&
        msg.event === undefined) {
      const c = this._calls.get(msg.id);
      this._calls.delete(msg.id);
      clearTimeout(c.timer);
      this._consumed.add(msg);
      c.resolve(msg);
      return;
    }
    for (let i = 0; i < this._waiters.length; i++) {
      const w = this._waiters[i];
      if (safePred(w.pred, msg)) {
        this._waiters.splice(i, 1);
        clearTimeout(w.timer);
        this._consumed.add(msg);
        w.resolve(msg);
        return;
      }
    }
  }

  _failAll(why) {
    for (const [, c] of this._calls) {
      clearTimeout(c.timer);
      c.reject(new Error(`${c.op}: ${why}`));
    }
    this._calls.clear();
    for (const w of this._waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error(`waiting for ${w.what}: ${why}; received: ` +
        this._recent()));
    }
  }

  _recent() {
    return JSON.stringify(this.raw.slice(-5)).slice(0, 1500);
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  sendRaw(text) {
    this.ws.send(text);
  }

  send(obj) {
    this.ws.send(JSON.stringify(obj));
  }

  // Send {op, id, ...params}; resolves with the reply object
  // ({id, ok, result} or {id, ok: false, error: {code, reason}})
  call(op, params = {}, { timeoutMs = DEFAULT_TIMEOUT } = {}) {
    const id = this.nextId++;
    return this.callRaw({ op, id, ...params }, { timeoutMs });
  }

  // Send an arbitrary object carrying a numeric id; resolves with the
  // reply that echoes that id
  callRaw(obj, { timeoutMs = DEFAULT_TIMEOUT } = {}) {
    const op = obj.op ?? '(no op)';
    if (this.closeInfo) {
      return Promise.reject(new Error(`${op}: connection already closed ` +
        `(${this.closeInfo.code})`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._calls.delete(obj.id);
        reject(new Error(`no reply to ${op} id ${obj.id} within ` +
          `${timeoutMs} ms; received: ${this._recent()}`));
      }, timeoutMs);
      this._calls.set(obj.id, { resolve, reject, timer, op });
      this.send(obj);
    });
  }

  // Forget what arrived so far: later nextMessage/nextEvent calls only see
  // what arrives from now on
  consumeAll() {
    for (const m of this.messages) this._consumed.add(m);
  }

  // The first not yet consumed message matching pred: one already
  // received, or the next to arrive
  nextMessage(pred, timeoutMs = DEFAULT_TIMEOUT, what = 'a message') {
    for (const m of this.messages) {
      if (!this._consumed.has(m) && safePred(pred, m)) {
        this._consumed.add(m);
        return Promise.resolve(m);
      }
    }
    if (this.closeInfo) {
      return Promise.reject(new Error(`waiting for ${what}: connection ` +
        `closed (${this.closeInfo.code}); received: ${this._recent()}`));
    }
    return new Promise((resolve, reject) => {
      const w = { pred, resolve, reject, what };
      w.timer = setTimeout(() => {
        const i = this._waiters.indexOf(w);
        if (i >= 0) this._waiters.splice(i, 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ` +
          `${what}; received: ${this._recent()}`));
      }, timeoutMs);
      this._waiters.push(w);
    });
  }

  // Resolves with the data of the first unconsumed event `name` whose data
  // satisfies predicate
  async nextEvent(name, predicate = () => true,
    timeoutMs = DEFAULT_TIMEOUT) {
    const m = await this.nextMessage(
      (x) => x && x.event === name && predicate(x.data), timeoutMs,
      `event ${name}`);
    return m.data;
  }

  // Wait until the server closes the connection (deadline), returns
  // {code, reason}
  async waitClosed(timeoutMs = DEFAULT_TIMEOUT) {
    let timer;
    const t = new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`connection still open ` +
        `after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, t]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close() {
    if (this.closeInfo) return this.closeInfo;
    this.ws.close(1000);
    try {
      return await this.waitClosed(2000);
    } catch {
      this.ws.terminate();
      return this.closed;
    }
  }
}

function safePred(pred, msg) {
  try {
    return !!pred(msg);
  } catch {
    return false;
  }
}
