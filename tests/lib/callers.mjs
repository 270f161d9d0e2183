// iccs-sim callers for the tests: start it with a control API on a
// port picked here, place calls, read its view of them.
import { spawn } from 'node:child_process';
import { waitFor, freePort } from './harness.mjs';
import { SIM } from './esn.mjs';
import { stopProc } from './tetra.mjs';

// args: the simulator's options after `callers` (--trunk etc.)
export async function startCallers(args) {
  const port = await freePort();
  const s = { out: '', url: `http://127.0.0.1:${port}/v1/calls` };
  s.proc = spawn(SIM, ['callers', '--http', `127.0.0.1:${port}`, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  s.proc.stdout.on('data', (d) => { s.out += d; });
  s.proc.stderr.on('data', (d) => { s.out += d; });
  await waitFor(() => s.out.includes('callers: ready') ||
    s.proc.exitCode !== null, 10000, 'callers sim ready');
  if (s.proc.exitCode !== null) throw new Error(`callers: ${s.out}`);
  s.place = async (body = {}) => {
    const r = await fetch(s.url, { method: 'POST',
      body: JSON.stringify(body) });
    if (r.status !== 200) throw new Error(`POST: ${r.status}`);
    return r.json();
  };
  s.list = async () => (await fetch(s.url)).json();
  s.hangup = async (id) => (await fetch(id ? `${s.url}/${id}` : s.url,
    { method: 'DELETE' })).json();
  s.call = (pred, what, ms = 10000) => waitFor(async () =>
    (await s.list()).calls.find(pred), ms, what);
  s.stop = () => stopProc(s.proc);
  return s;
}

// One run without a control API: exits when every call has ended and
// prints a JSON summary.  Returns {code, summary, out}.
export function runCallers(args, timeoutMs = 60000) {
  return new Promise((resolve) => {
    const p = spawn(SIM, ['callers', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => {
      clearTimeout(t);
      let summary = null;
      try { summary = JSON.parse(out.trim().split('\n').pop()); } catch { /* */ }
      resolve({ code, summary, out: out + err });
    });
  });
}
