// Test harness for system and browser tests: starts a real iccsd on
// loopback with a fresh state directory, a test CA and a generated config,
// and talks to it over HTTPS/WSS with certificate checking on.
//
// Every process started here is killed by pid, and every temp dir removed,
// when the test process exits, even after a failed assertion.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WsClient } from './ws.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)),
  '../..');
export const BUILD = process.env.ICCS_BUILD ||
  path.join(ROOT, 'build-check');
export const ICCSD = path.join(BUILD, 'iccsd');
export const ICCSCTL = path.join(BUILD, 'iccsctl');
export const MKCERTS = path.join(ROOT, 'scripts', 'mkcerts');
export const WEB_ROOT = path.join(ROOT, 'web');

// Satisfies the password policy (12..128 characters)
export const PASSWORD = 'correct horse battery staple';

export const POSITIONS = ['P1', 'P2', 'P3', 'P4', 'P5'];
export const ROLES = ['calltaker', 'dispatcher', 'supervisor', 'cctv',
  'admin'];
// The layout the generated config makes the default for each role
export const ROLE_LAYOUT = {
  calltaker: 'calltaking',
  dispatcher: 'dispatch',
  supervisor: 'supervision',
  cctv: 'cctv',
  admin: 'admin',
};
export const RES = {
  talkgroup: 'tg-lambeth-ops',
  queue: 'q999',
  camera: 'cam-westminster',
};

const START_DEADLINE_MS = 10000;
const STOP_DEADLINE_MS = 10000;

// --- cleanup ---------------------------------------------------------------

const livePids = new Set();
const tempDirs = new Set();

function cleanupSync() {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch { /* already gone */ }
  }
  livePids.clear();
  if (process.env.ICCS_KEEP_DIRS) {
    for (const d of tempDirs) process.stderr.write(`kept ${d}\n`);
    return;
  }
  for (const d of tempDirs) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch { /* best effort */ }
  }
  tempDirs.clear();
}

process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    cleanupSync();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

export async function makeTempDir(prefix = 'iccs-') {
  const d = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.add(d);
  // The daemon drops root after binding: it must still reach its files
  await fsp.chmod(d, 0o711);
  return d;
}

// --- small helpers ---------------------------------------------------------

export function waitFor(fn, timeoutMs = 5000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    let lastErr = null;
    const tick = async () => {
      try {
        const v = await fn();
        if (v) {
          resolve(v);
          return;
        }
        lastErr = null;
      } catch (err) {
        lastErr = err;
      }
      if (Date.now() >= deadline) {
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ` +
          `${what}` + (lastErr ? ` (last error: ${lastErr.message})` : '')));
        return;
      }
      setTimeout(tick, 25);
    };
    tick();
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Run a program to completion; kills it by pid at the deadline
export function run(cmd, args, { input, timeoutMs = 20000, env, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: env ?? process.env,
      cwd,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.once('error', (err) => reject(new Error(`${cmd}: ${err.message}`)));
    if (p.pid) livePids.add(p.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch { /* gone */ }
    }, timeoutMs);
    p.once('close', (code, signal) => {
      clearTimeout(timer);
      livePids.delete(p.pid);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    p.stdin.on('error', () => {}); // EPIPE when it exits without reading
    p.stdin.end(input ?? '');
  });
}

// iccsd with arbitrary arguments, to completion (for --check and the like)
export function runIccsd(args, opts = {}) {
  return run(ICCSD, args, { timeoutMs: 15000, ...opts });
}

// --- certificates ----------------------------------------------------------

let caPromise = null;

// One CA and server certificate per test process (openssl is not free)
export function testCa() {
  if (!caPromise) {
    caPromise = (async () => {
      const dir = await makeTempDir('iccs-ca-');
      const r = await run(MKCERTS, [dir]);
      if (r.code !== 0) {
        throw new Error(`scripts/mkcerts failed (${r.code}): ${r.stderr}`);
      }
      return {
        dir,
        caFile: path.join(dir, 'ca.crt'),
        ca: await fsp.readFile(path.join(dir, 'ca.crt')),
        pem: path.join(dir, 'server.pem'),
      };
    })();
  }
  return caPromise;
}

// --- config ----------------------------------------------------------------

function position(id, name, site, node, spare) {
  return [
    `  - id: ${id}`,
    `    name: ${name}`,
    `    site: ${site}`,
    `    node: ${node}`,
    `    spare: ${spare}`,
  ].join('\n');
}

// The YAML config of a test daemon; paths relative to its directory
export function configText(o) {
  return `# iccsd test config, written by tests/lib/harness.mjs
node:
  id: lambeth-1
  state_dir: state
listen:
  https: "127.0.0.1:${o.port}"
tls:
  cert: server.pem
  min_version: "${o.minTls}"
security:
  audit_key: audit.key
  run_as: ${o.runAs}
  lockout_attempts: ${o.lockoutAttempts}
  lockout_minutes: ${o.lockoutMinutes}
  session_idle_minutes: ${o.sessionIdleMinutes}
log:
  level: ${o.logLevel}
  target: stderr
store:
  path: state/iccs.db
web:
  root: ${o.webRoot}
sites:
  - id: lambeth
    name: Lambeth
  - id: hendon
    name: Hendon
nodes:
  - id: lambeth-1
    site: lambeth
  - id: hendon-1
    site: hendon
positions:
${position('P1', 'Lambeth 1', 'lambeth', 'lambeth-1', false)}
${position('P2', 'Lambeth 2', 'lambeth', 'lambeth-1', false)}
${position('P3', 'Lambeth 3', 'lambeth', 'lambeth-1', false)}
${position('P4', 'Lambeth spare', 'lambeth', 'lambeth-1', true)}
${position('P5', 'Hendon 1', 'hendon', 'hendon-1', false)}
layouts:
  - id: calltaking
    name: Call taking
    roles: [calltaker]
    panels: [calls, queue, map, messages]
  - id: dispatch
    name: Dispatch
    roles: [dispatcher]
    panels: [radio, messages, map, intercom]
  - id: supervision
    name: Supervision
    roles: [supervisor]
    panels: [supervisor, calls, queue, radio, cctv, map, recordings]
  - id: cctv
    name: CCTV
    roles: [cctv]
    panels: [cctv, wall, map]
  - id: admin
    name: Administration
    roles: [admin]
    panels: [admin, supervisor]
talkgroups:
  - id: ${RES.talkgroup}
    name: Lambeth Ops
    roles: [dispatcher, supervisor]
    esn_group: "sip:lambeth-ops@esn.test"
    tetra_gssi: 2001
    preferred_bearer: esn
queues:
  - id: ${RES.queue}
    name: "999 Emergency"
    roles: [calltaker, supervisor]
    numbers: ["999", "112"]
    priority: 1
cameras:
  - id: ${RES.camera}
    name: Westminster Bridge
    roles: [cctv, supervisor]
    onvif: "http://127.0.0.1:9/onvif/device_service"
    rtsp: "rtsp://127.0.0.1:9/westminster"
    ptz: true
`;
}

// Line number (1-based) of the first line of text matching re
export function lineOf(text, re) {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`no line matches ${re}`);
  return i + 1;
}

function withDefaults(opts) {
  return {
    lockoutAttempts: 3,
    lockoutMinutes: 15,
    sessionIdleMinutes: 60,
    runAs: 'nobody',
    minTls: '1.2',
    logLevel: 'info',
    webRoot: WEB_ROOT,
    ...opts,
  };
}

// A directory with certificate, audit key and config, ready for iccsd
export async function makeIccsDir(opts = {}) {
  const o = withDefaults(opts);
  const ca = await testCa();
  const dir = await makeTempDir();
  if (!o.port) o.port = await freePort();
  const pem = path.join(dir, 'server.pem');
  await fsp.copyFile(ca.pem, pem);
  await fsp.chmod(pem, 0o600);
  const keyFile = path.join(dir, 'audit.key');
  await fsp.writeFile(keyFile, crypto.randomBytes(32), { mode: 0o600 });
  await fsp.chmod(keyFile, 0o600);
  await fsp.mkdir(path.join(dir, 'state'), { mode: 0o700 });
  let text = configText(o);
  if (o.configPatch) text = o.configPatch(text);
  const configPath = path.join(dir, 'iccsd.yaml');
  // readable by the daemon's user: SIGHUP re-reads it after the drop
  await fsp.writeFile(configPath, text, { mode: 0o644 });
  await fsp.chmod(configPath, 0o644);
  return {
    dir,
    configPath,
    configText: text,
    port: o.port,
    ca: ca.ca,
    caFile: ca.caFile,
    keyFile,
    storePath: path.join(dir, 'state', 'iccs.db'),
    opts: o,
  };
}

// --- the daemon ------------------------------------------------------------

function spawnDaemon(h) {
  const proc = spawn(ICCSD, ['-c', h.configPath, ...(h.opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(h.opts.env ?? {}) },
  });
  const exited = new Promise((resolve) => {
    proc.once('exit', (code, signal) => {
      livePids.delete(proc.pid);
      h.exitInfo = { code, signal };
      resolve({ code, signal });
    });
  });
  proc.once('error', (err) => h._logs.push(`[harness] spawn: ${err}\n`));
  if (proc.pid) livePids.add(proc.pid);
  proc.stdout.on('data', (d) => h._logs.push(d.toString()));
  proc.stderr.on('data', (d) => h._logs.push(d.toString()));
  h.proc = proc;
  h.pid = proc.pid;
  h.exitInfo = null;
  h.exited = exited;
}

async function waitHealthy(h) {
  const deadline = Date.now() + START_DEADLINE_MS;
  for (;;) {
    if (h.exitInfo) {
      throw new Error(`iccsd exited during start (code ${h.exitInfo.code}, ` +
        `signal ${h.exitInfo.signal}); log:\n${tail(h.logs())}`);
    }
    try {
      const r = await request(h, 'GET', '/healthz', undefined, undefined,
        { timeoutMs: 1000 });
      if (r.status === 200) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      throw new Error(`iccsd did not answer /healthz with 200 within ` +
        `${START_DEADLINE_MS} ms; log:\n${tail(h.logs())}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

function tail(s, n = 4000) {
  return s.length > n ? '...' + s.slice(-n) : s;
}

async function stopDaemon(h, signal = 'SIGTERM') {
  if (h.exitInfo) return h.exitInfo.code;
  try {
    process.kill(h.pid, signal);
  } catch { /* gone */ }
  let timer;
  const dl = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), STOP_DEADLINE_MS);
  });
  let r = await Promise.race([h.exited, dl]);
  clearTimeout(timer);
  if (!r) {
    h._logs.push(`[harness] no exit ${STOP_DEADLINE_MS} ms after ` +
      `${signal}: SIGKILL\n`);
    try {
      process.kill(h.pid, 'SIGKILL');
    } catch { /* gone */ }
    r = await h.exited;
  }
  return r.code;
}

// Start iccsd on a fresh directory (or opts.reuse: the dir of an earlier
// handle, to start again on the same store)
export async function startIccs(opts = {}) {
  const base = opts.reuse ?? await makeIccsDir(opts);
  const h = {
    ...base,
    url: `https://127.0.0.1:${base.port}`,
    wsUrl: `wss://127.0.0.1:${base.port}/ws/control`,
    _logs: [],
  };
  h.logs = () => h._logs.join('');
  h.stop = () => stopDaemon(h, 'SIGTERM');
  h.kill9 = () => stopDaemon(h, 'SIGKILL');
  h.signal = (sig) => process.kill(h.pid, sig);
  h.start = async () => {
    spawnDaemon(h);
    await waitHealthy(h);
    return h;
  };
  h.restart = async () => {
    await stopDaemon(h, 'SIGTERM');
    return h.start();
  };
  h.iccsctl = (args, { input, timeoutMs } = {}) =>
    run(ICCSCTL, ['-c', h.configPath, ...args], { input, timeoutMs });
  h.addOperator = (user, roles, password = PASSWORD, extra = {}) =>
    addOperator(h, user, roles, password, extra);
  h.auditExport = () => auditExport(h);
  h.writeConfig = async (text) => {
    await fsp.writeFile(h.configPath, text);
    h.configText = text;
  };
  await h.start();
  return h;
}

async function addOperator(h, user, roles, password, extra) {
  const args = ['operator', 'add', user, '--roles',
    [].concat(roles).join(','), '--password-file', '-'];
  if (extra.name) args.push('--name', extra.name);
  if (extra.ptzPriority !== undefined) {
    args.push('--ptz-priority', String(extra.ptzPriority));
  }
  const r = await h.iccsctl(args, { input: password });
  if (r.code !== 0) {
    throw new Error(`iccsctl operator add ${user} exited ${r.code}: ` +
      `${r.stderr}${r.stdout}`);
  }
  return r;
}

// `iccsctl audit export -` parsed: oldest first
export async function auditExport(h) {
  const r = await h.iccsctl(['audit', 'export', '-']);
  if (r.code !== 0) {
    throw new Error(`iccsctl audit export exited ${r.code}: ${r.stderr}`);
  }
  return r.stdout.split('\n').filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

// --- HTTPS -----------------------------------------------------------------

export function request(h, method, urlPath, body, token,
  { headers = {}, timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const hdrs = { ...headers };
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' || Buffer.isBuffer(body)
        ? body : JSON.stringify(body);
      if (!hdrs['Content-Type']) hdrs['Content-Type'] = 'application/json';
      hdrs['Content-Length'] = Buffer.byteLength(payload);
    }
    if (token) hdrs.Authorization = `Bearer ${token}`;
    const req = https.request({
      host: '127.0.0.1',
      port: h.port,
      method,
      path: urlPath,
      headers: hdrs,
      ca: h.ca,
      rejectUnauthorized: true,
      agent: false,
      timeout: timeoutMs,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch { /* not JSON */ }
        resolve({ status: res.statusCode, json, headers: res.headers, text,
          body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: ` +
      `no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export function login(h, user, password, position) {
  return request(h, 'POST', '/api/v1/session',
    { username: user, password, position });
}

// Log in and insist on 201; returns the login result body
export async function loginOk(h, user, password, position) {
  const r = await login(h, user, password, position);
  if (r.status !== 201) {
    throw new Error(`login ${user} at ${position}: ${r.status} ${r.text}`);
  }
  return r.json;
}

// A console: WSS connected, hello sent and answered ok
export async function openConsole(h, token) {
  const c = await WsClient.connect(h.wsUrl, { ca: h.ca });
  const r = await c.call('hello', { token });
  if (!r.ok) {
    await c.close();
    throw new Error(`hello refused: ${JSON.stringify(r)}`);
  }
  c.session = r.result;
  return c;
}

// A WSS connection without hello
export function connectWs(h) {
  return WsClient.connect(h.wsUrl, { ca: h.ca });
}

// Synchronous check used by tests that need root (run_as, chown)
export function isRoot() {
  return process.getuid?.() === 0;
}

export function binariesExist() {
  return fs.existsSync(ICCSD) && fs.existsSync(ICCSCTL);
}

// sqlite3 CLI on a store (tests that tamper with it)
export function sqlite(file, sql, dotCmds = []) {
  const pre = dotCmds.flatMap((c) => ['-cmd', c]);
  const r = spawnSync('sqlite3', [...pre, file, sql], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`sqlite3 ${sql}: ${r.stderr}`);
  }
  return r.stdout;
}

// `iccsctl <what> list --json`: the array, whether printed bare or wrapped
// in an object ({"operators": [...]})
export async function ctlList(h, what) {
  const r = await h.iccsctl([what, 'list', '--json']);
  if (r.code !== 0) {
    throw new Error(`iccsctl ${what} list exited ${r.code}: ${r.stderr}`);
  }
  const j = JSON.parse(r.stdout);
  if (Array.isArray(j)) return j;
  const arr = j[`${what}s`];
  if (!Array.isArray(arr)) {
    throw new Error(`iccsctl ${what} list --json: no array in ${r.stdout}`);
  }
  return arr;
}

export const operatorList = (h) => ctlList(h, 'operator');
