// The simulated cameras (iccs-sim cameras) and a /ws/video client, for
// the CCTV system and browser tests.
import { spawn } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { BUILD, freePort, waitFor } from './harness.mjs';

export const SIM = path.join(BUILD, 'sim', 'iccs-sim');

// Start N cameras on free ports; resolves when the sim says ready
export async function startCameras({ count = 2, names, args = [] } = {}) {
  const rtsp = await freePort();
  const onvif = await freePort();
  const a = ['cameras', '--count', String(count), '--rtsp-port',
    String(rtsp), '--onvif', `127.0.0.1:${onvif}`, ...args];
  if (names) a.push('--names', names.join(','));
  const proc = spawn(SIM, a, { stdio: ['ignore', 'pipe', 'pipe'] });
  const sim = { proc, rtsp, onvif, out: '' };
  proc.stdout.on('data', (d) => { sim.out += d; });
  proc.stderr.on('data', (d) => { sim.out += d; });
  sim.exited = new Promise((r) => proc.once('exit', r));
  sim.stop = async () => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    await sim.exited;
  };
  process.on('exit', () => { try { proc.kill('SIGKILL'); } catch {} });
  await waitFor(() => /cameras: ready/.test(sim.out) || proc.exitCode !== null,
    15000, 'iccs-sim cameras ready');
  if (!/cameras: ready/.test(sim.out))
    throw new Error(`iccs-sim cameras did not start:\n${sim.out}`);
  sim.deviceUrl = (i) => `http://127.0.0.1:${onvif}/onvif/cam${i}/device_service`;
  sim.rtspUrl = (i) => `rtsp://127.0.0.1:${rtsp}/cam${i}`;
  sim.state = async () => (await fetch(
    `http://127.0.0.1:${onvif}/sim/state`)).json();
  sim.soap = async (i, svc, body) => {
    const r = await fetch(`http://127.0.0.1:${onvif}/onvif/cam${i}/${svc}`, {
      method: 'POST',
      headers: { 'content-type': 'application/soap+xml' },
      body: '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">' +
        `<s:Body>${body}</s:Body></s:Envelope>`,
    });
    return { status: r.status, text: await r.text() };
  };
  return sim;
}

// The config's cameras section for the sim's cameras (replaces the
// harness's one camera)
export function camerasYaml(sim, cams) {
  return 'cameras:\n' + cams.map((c) => [
    `  - id: ${c.id}`,
    `    name: ${c.name ?? c.id}`,
    `    roles: [cctv, supervisor]`,
    c.onvif ? `    onvif: "${sim.deviceUrl(c.idx)}"` : null,
    c.rtsp ? `    rtsp: "${sim.rtspUrl(c.idx)}"` : null,
    `    ptz: ${c.ptz ? 'true' : 'false'}`,
  ].filter(Boolean).join('\n')).join('\n') + '\n';
}

export function replaceCameras(text, yaml) {
  return text.replace(/^cameras:\n(?:  .*\n|    .*\n)*/m, yaml);
}

// /ws/video: hello, view; collects text events and binary pieces
export class VideoClient {
  static connect(h) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`wss://127.0.0.1:${h.port}/ws/video`,
        { ca: h.ca, maxPayload: 16 * 1024 * 1024 });
      const c = new VideoClient(ws);
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
    });
  }

  constructor(ws) {
    this.ws = ws;
    this.texts = [];
    this.bins = [];
    this.closed = new Promise((r) => ws.on('close', (code, reason) =>
      r({ code, reason: reason.toString() })));
    ws.on('message', (d, isBin) => {
      if (isBin) this.bins.push(Buffer.from(d));
      else this.texts.push(JSON.parse(d.toString()));
    });
  }

  send(o) { this.ws.send(JSON.stringify(o)); }

  async hello(token) {
    const n = this.texts.length;
    this.send({ op: 'hello', token });
    await waitFor(() => this.texts.length > n, 5000, 'video hello reply');
    return this.texts[n];
  }

  view(camera) { this.send({ op: 'view', camera }); }

  event(name, pred = () => true) {
    return this.texts.find((t) => t.event === name && pred(t));
  }

  close() { this.ws.close(); return this.closed; }
}
