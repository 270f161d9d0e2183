// iccsd as an ESN dispatcher against the simulated network (iccs-sim esn):
// the setup the ESN system tests share.  startEsn() makes certificates, a
// 440 Hz tone recording, the simulator's config (radios and priorities
// from the caller), starts the simulator and an iccsd pointed at it, with
// one dispatcher logged in at P1 holding a control and an audio channel.
// Ports are picked here; every process is stopped by its pid.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  BUILD, MKCERTS, makeTempDir, freePort, run, waitFor, startIccs, loginOk,
  openConsole, RES, PASSWORD,
} from './harness.mjs';
import { AudioClient, FRAME } from './rtp.mjs';

export const SIM = path.join(BUILD, 'sim', 'iccs-sim');
export const DOMAIN = 'esn.test';
export const GROUP = `sip:lambeth-ops@${DOMAIN}`;   // the harness's talkgroup
export const TG = RES.talkgroup;
export const ME = `sip:disp1@${DOMAIN}`;
export const radioUri = (id) => `sip:${id}@${DOMAIN}`;

// The radios of esn.test.mjs; speech 'TONE' is the 440 Hz recording
export const DEFAULT_RADIOS = [
  { id: 'r1', alias: 'Lima Two One', priority: 5,
    speech: 'Lima two one, all quiet' },
  { id: 'r2', alias: 'Tone', priority: 4, speech: 'TONE' },
];

function simConfig(o) {
  const radios = o.radios.map((r) => `  - {id: ${r.id}, alias: ${r.alias},` +
    ` groups: ["${GROUP}"], priority: ${r.priority}, speech: "` +
    `${r.speech === 'TONE' ? path.join(o.dir, 'tone.wav') : r.speech}"` +
    `${r.answer ? `, answer: ${r.answer}` : ''}` +
    `${r.answerMs ? `, answer_ms: ${r.answerMs}` : ''}}`);
  return [
    `listen: 127.0.0.1:${o.sipPort}`, `domain: ${DOMAIN}`,
    `tls: {cert: ${o.dir}/server.pem, ca: ${o.dir}/ca.crt}`,
    `http: 127.0.0.1:${o.httpPort}`, `time_limit: ${o.timeLimit}`,
    'groups:', `  - {uri: "${GROUP}", name: Lambeth Ops}`,
    'radios:', ...radios,
    'dispatchers:', `  - {mcptt_id: "${ME}", cn: d1}`, ''].join('\n');
}

function iccsPatch(o) {
  return (t) => t + [
    'esn:', `  server: "127.0.0.1:${o.sipPort}"`, `  domain: ${DOMAIN}`,
    `  mcptt_id: "${ME}"`, `  client_cert: ${o.dir}/client-d1.pem`,
    `  ca: ${o.dir}/ca.crt`, `  priority: ${o.priority}`,
    'directory:', ...o.directory.map((d) =>
      `  - {id: "${radioUri(d.id)}", alias: ${d.alias}}`),
    ''].join('\n');
}

// opts: radios (DEFAULT_RADIOS), priority (the dispatcher's esn.priority,
// 5), directory ([{id, alias}] iccsd's fleet directory), timeLimit (30)
export async function startEsn(opts = {}) {
  const e = {
    radios: opts.radios ?? DEFAULT_RADIOS,
    priority: opts.priority ?? 5,
    directory: opts.directory ?? [{ id: 'r2', alias: 'Tango Two' },
      { id: 'r1', alias: 'Lima Two One' }],
    timeLimit: opts.timeLimit ?? 30,
    simOut: '',
  };
  Object.assign(e, helpers(e));
  try {
    await start(e);
  } catch (err) {
    await e.stop().catch(() => {});
    throw err;
  }
  return e;
}

async function start(e) {
  e.dir = await makeTempDir('iccs-esn-');
  for (const a of [[e.dir], [e.dir, '--client', 'd1']]) {
    const r = await run(MKCERTS, a);
    assert.equal(r.code, 0, r.stderr);
  }
  const sox = await run('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16',
    path.join(e.dir, 'tone.wav'), 'synth', '2', 'sine', '440', 'vol',
    '0.25']);
  assert.equal(sox.code, 0, sox.stderr);
  e.sipPort = await freePort();
  e.httpPort = await freePort();
  const conf = path.join(e.dir, 'esn.yaml');
  fs.writeFileSync(conf, simConfig(e));
  e.sim = spawn(SIM, ['esn', '--config', conf],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  e.sim.stdout.on('data', (d) => { e.simOut += d; });
  e.sim.stderr.on('data', (d) => { e.simOut += d; });
  await waitFor(() => e.simOut.includes('esn: ready'), 15000, 'sim ready');

  e.h = await startIccs({ configPatch: iccsPatch(e) });
  await e.h.addOperator('dora', ['dispatcher']);
  e.disp = await loginOk(e.h, 'dora', PASSWORD, 'P1');
  e.con = await openConsole(e.h, e.disp.token);
  e.audio = await AudioClient.connect(e.h, e.disp.token);
}

function helpers(e) {
  const api = async (method, p, body) => {
    const r = await fetch(`http://127.0.0.1:${e.httpPort}${p}`, {
      method, body: body ? JSON.stringify(body) : undefined,
      headers: body ? { 'content-type': 'application/json' } : {},
    });
    return { status: r.status, json: r.status === 200 ? await r.json() : null };
  };
  const state = async () => (await api('GET', '/v1/state')).json;
  const group = async () => (await state()).groups
    .find((g) => g.uri === GROUP);
  // What the network heard from this node in the group: {packets, freq_hz}
  const heard = async () => (await api('GET', `/v1/groups/` +
    `${encodeURIComponent(GROUP)}/audio?dispatcher=` +
    `${encodeURIComponent(ME)}`)).json;
  const logs = () => `\n--- iccsd ---\n${e.h.logs().slice(-3000)}` +
    `\n--- sim ---\n${e.simOut.slice(-2000)}`;
  // The next radio.floor event of the talkgroup satisfying pred
  const floorEvent = (pred, what, ms = 5000, con = e.con) =>
    con.nextEvent('radio.floor', (d) => d.talkgroup === TG && pred(d), ms)
      .catch((err) => {
        throw new Error(`${what}: ${err.message}${logs()}`);
      });
  const registered = () => waitFor(async () => (await state()).registrations
    .some((r) => r.mcptt_id === ME && r.cn === 'd1'), 10000,
  'registration of the node at the ESN');
  // Speaker channel of the console audio since frame n0, as one array
  const speakerSince = (n0) => {
    const fr = e.audio.frames.slice(n0);
    const sp = new Int16Array(fr.length * FRAME);
    fr.forEach((f, i) => sp.set(f.speaker, i * FRAME));
    return sp;
  };
  const stop = async () => {
    if (e.audio) await e.audio.close();
    if (e.con) await e.con.close();
    // every process is stopped even when iccsd's exit is wrong
    const code = e.h ? await e.h.stop() : 0;
    if (e.sim && e.sim.exitCode === null) {
      process.kill(e.sim.pid, 'SIGTERM');
      await waitFor(() => e.sim.exitCode !== null, 5000, 'sim exit')
        .catch(() => process.kill(e.sim.pid, 'SIGKILL'));
    }
    if (e.dir && process.env.ICCS_KEEP_DIRS !== '1')
      fs.rmSync(e.dir, { recursive: true, force: true });
    assert.equal(code, 0, e.h?.logs());
  };
  return { api, state, group, heard, logs, floorEvent, registered,
    speakerSince, stop };
}
