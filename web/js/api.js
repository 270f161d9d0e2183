// REST and WSS client for iccsd (docs/API.md).
//
// Control keeps one WSS control channel per console: every request gets an
// id and a promise, replies settle it, events go to subscribers. When the
// link drops it reconnects with backoff (socket.js) and sends hello again;
// subscribers of onReady() reload their state then, since events sent
// while the link was down are lost.

import { Socket, FATAL_HELLO } from './socket.js';

export class ApiError extends Error {
  constructor(code, reason, op) {
    super(code ? `${code} ${reason}` : reason);
    this.code = code;      // HTTP-like code, 0 for network trouble
    this.reason = reason;
    this.op = op;
  }
}

export async function rest(method, path, { token, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, {
      method, headers, cache: 'no-store', credentials: 'omit',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'cannot reach the server');
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = data && data.error;
    throw new ApiError(e && e.code ? e.code : res.status,
      e && e.reason ? e.reason : res.statusText || 'request failed');
  }
  return data;
}

export const loginInfo = () => rest('GET', '/api/v1/login-info');

export const login = (username, password, position) =>
  rest('POST', '/api/v1/session', { body: { username, password, position } });

const PING_EVERY_MS = 15000;
const TIMEOUT_MS = 10000;

export class Control extends Socket {
  constructor(token, { onError } = {}) {
    super('/ws/control');
    this.token = token;
    this.onError = onError || (() => {});
    this.info = null;        // session info from the last hello
    this.nextId = 1;
    this.pending = new Map();
    this.subs = new Map();
    this.pinger = null;
  }

  attach(ws) {
    ws.onopen = () => this.hello();
    ws.onmessage = (ev) => this.receive(ev.data);
  }

  async hello() {
    try {
      const info = await this.send('hello', { token: this.token },
        { quiet: true, early: true });
      this.info = info;
      this.attempt = 0;
      this.setState('open');
      this.pinger = setInterval(() => this.ping(), PING_EVERY_MS);
      this.emit('ready', info);
    } catch (err) {
      if (FATAL_HELLO.has(err.code)) this.end(err.reason || 'session ended');
      else this.drop();
    }
  }

  ping() {
    this.send('ping', {}, { quiet: true }).catch(() => this.drop());
  }

  receive(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg && typeof msg.event === 'string') {
      if (msg.event === 'session.ended') {
        this.end((msg.data && msg.data.reason) || 'session ended');
      } else {
        this.emit(msg.event, msg.data);
      }
      return;
    }
    const p = msg && this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) {
      p.resolve(msg.result === undefined ? {} : msg.result);
    } else {
      const e = msg.error || {};
      p.fail(new ApiError(e.code || 500, e.reason || 'request failed', p.op));
    }
  }

  // Public request: params are the op's fields (docs/API.md). Rejects with
  // an ApiError, which is also shown as a toast unless opts.quiet.
  request(op, params = {}, opts = {}) {
    return this.send(op, params, opts);
  }

  send(op, params, { quiet = false, early = false, timeout = TIMEOUT_MS } =
  {}) {
    return new Promise((resolve, reject) => {
      const fail = (err) => {
        if (!quiet && this.state !== 'closed') this.onError(err);
        reject(err);
      };
      const ready = this.state === 'open' || (early && this.ws &&
        this.ws.readyState === WebSocket.OPEN);
      if (!ready) {
        fail(new ApiError(0, 'not connected to the server', op));
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        fail(new ApiError(0, 'no answer from the server', op));
      }, timeout);
      this.pending.set(id, { op, resolve, fail, timer });
      this.ws.send(JSON.stringify({ op, id, ...params }));
    });
  }

  // Pending requests fail with the link, quietly once closed.
  detach() {
    clearInterval(this.pinger);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.fail(new ApiError(0, 'connection lost', p.op));
      this.pending.delete(id);
    }
  }

  ended(reason) {
    this.emit('ended', { reason });
  }

  async logout() {
    this.leaving = true;   // the server closes the channel after replying
    if (this.state === 'open') {
      try {
        await this.send('logout', {}, { quiet: true, timeout: 3000 });
      } catch {
        await this.restLogout();
      }
    } else {
      await this.restLogout();
    }
    this.close();
  }

  restLogout() {
    return rest('DELETE', '/api/v1/session', { token: this.token })
      .catch(() => {});
  }

  stateChanged(st) {
    this.emit('state', st);
  }

  on(name, fn) {
    if (!this.subs.has(name)) this.subs.set(name, new Set());
    this.subs.get(name).add(fn);
    return () => this.subs.get(name).delete(fn);
  }

  // fn(info) now if the link is up, and after every (re)connect.
  onReady(fn) {
    const off = this.on('ready', fn);
    if (this.state === 'open') fn(this.info);
    return off;
  }

  emit(name, data) {
    for (const fn of [...(this.subs.get(name) || [])]) {
      try {
        fn(data);
      } catch (err) {
        console.error(`handler for ${name} failed`, err);
      }
    }
  }
}
