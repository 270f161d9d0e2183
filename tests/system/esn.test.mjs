// iccsd as an ESN dispatcher against the simulated network (iccs-sim esn):
// registration over mutual TLS, joining a group call when a console
// monitors its talkgroup, a radio heard with its identity, PTT granted by
// the network's floor control and heard there, an emergency shown and
// acknowledged.  Real peers on loopback, ports picked here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  BUILD, MKCERTS, makeTempDir, freePort, run, waitFor, startIccs, loginOk,
  openConsole, RES, PASSWORD,
} from '../lib/harness.mjs';
import { AudioClient, tone, dominant, rms, FRAME } from '../lib/rtp.mjs';

const SIM = path.join(BUILD, 'sim', 'iccs-sim');
const DOMAIN = 'esn.test';
const GROUP = `sip:lambeth-ops@${DOMAIN}`;     // the harness's talkgroup
const TG = RES.talkgroup;
const ME = `sip:disp1@${DOMAIN}`;

let dir, sim, simOut = '', httpPort, h, disp, con, audio;

async function api(method, p, body) {
  const r = await fetch(`http://127.0.0.1:${httpPort}${p}`, {
    method, body: body ? JSON.stringify(body) : undefined,
    headers: body ? { 'content-type': 'application/json' } : {},
  });
  return { status: r.status, json: r.status === 200 ? await r.json() : null };
}
const group = async () => (await api('GET', '/v1/state')).json.groups
  .find((g) => g.uri === GROUP);

before(async () => {
  dir = await makeTempDir('iccs-esn-');
  for (const a of [[dir], [dir, '--client', 'd1']]) {
    const r = await run(MKCERTS, a);
    assert.equal(r.code, 0, r.stderr);
  }
  const sox = await run('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16',
    path.join(dir, 'tone.wav'), 'synth', '2', 'sine', '440', 'vol', '0.25']);
  assert.equal(sox.code, 0, sox.stderr);
  const sipPort = await freePort();
  httpPort = await freePort();
  const conf = path.join(dir, 'esn.yaml');
  fs.writeFileSync(conf, [
    `listen: 127.0.0.1:${sipPort}`, `domain: ${DOMAIN}`,
    `tls: {cert: ${dir}/server.pem, ca: ${dir}/ca.crt}`,
    `http: 127.0.0.1:${httpPort}`, 'time_limit: 30',
    'groups:', `  - {uri: "${GROUP}", name: Lambeth Ops}`,
    'radios:', `  - {id: r1, alias: Lima Two One, groups: ["${GROUP}"],` +
      ' priority: 5, speech: "Lima two one, all quiet"}',
    `  - {id: r2, alias: Tone, groups: ["${GROUP}"], priority: 4,` +
      ` speech: "${dir}/tone.wav"}`,
    'dispatchers:', `  - {mcptt_id: "${ME}", cn: d1}`, ''].join('\n'));
  sim = spawn(SIM, ['esn', '--config', conf],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  sim.stdout.on('data', (d) => { simOut += d; });
  sim.stderr.on('data', (d) => { simOut += d; });
  await waitFor(() => simOut.includes('esn: ready'), 15000, 'sim ready');

  h = await startIccs({
    configPatch: (t) => t + [
      'esn:', `  server: "127.0.0.1:${sipPort}"`, `  domain: ${DOMAIN}`,
      `  mcptt_id: "${ME}"`, `  client_cert: ${dir}/client-d1.pem`,
      `  ca: ${dir}/ca.crt`, '  priority: 5',
      'directory:', `  - {id: "sip:r2@${DOMAIN}", alias: Tango Two}`,
      `  - {id: "sip:r1@${DOMAIN}", alias: Lima Two One}`,
      ''].join('\n'),
  });
  await h.addOperator('dora', ['dispatcher']);
  disp = await loginOk(h, 'dora', PASSWORD, 'P1');
  con = await openConsole(h, disp.token);
  audio = await AudioClient.connect(h, disp.token);
});

after(async () => {
  if (audio) await audio.close();
  if (con) await con.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
  if (sim && sim.exitCode === null) {
    process.kill(sim.pid, 'SIGTERM');
    await waitFor(() => sim.exitCode !== null, 5000, 'sim exit')
      .catch(() => process.kill(sim.pid, 'SIGKILL'));
  }
  if (dir && process.env.ICCS_KEEP_DIRS !== '1')
    fs.rmSync(dir, { recursive: true, force: true });
});

const floorEvent = (pred, what, ms = 5000) => con.nextEvent('radio.floor',
  (d) => d.talkgroup === TG && pred(d), ms).catch((e) => {
  throw new Error(`${what}: ${e.message}\n${h.logs().slice(-3000)}`);
});

test('the node registers with the network over mutual TLS', async () => {
  await waitFor(async () => {
    const s = (await api('GET', '/v1/state')).json;
    return s.registrations.some((r) => r.mcptt_id === ME && r.cn === 'd1');
  }, 10000, 'registration of the node at the ESN');
  await waitFor(async () => (await con.call('radio.state', {})).result
    .links.esn?.up === true, 5000, 'consoles told the ESN link is up');
});

test('monitoring the talkgroup joins its group call; a radio is heard ' +
  'with its identity', async () => {
  const r = await con.call('radio.monitor', { talkgroup: TG, on: true });
  assert.equal(r.ok, true, JSON.stringify(r));
  await waitFor(async () => (await group())?.participants
    .some((p) => p.mcptt_id === ME), 10000, 'iccsd in the group call');
  await floorEvent((d) => d.group === 'joined', 'group joined');

  const n0 = audio.frames.length;
  assert.equal((await api('POST', '/v1/radios/r2/talk',
    { group: GROUP, seconds: 2 })).status, 200);
  const taken = await floorEvent((d) => d.floor.state === 'taken',
    'Floor Taken shown');
  assert.equal(taken.floor.talker, `sip:r2@${DOMAIN}`);
  assert.equal(taken.floor.alias, 'Tango Two', 'the directory alias');
  await waitFor(() => {
    const fr = audio.frames.slice(n0);
    const sp = new Int16Array(fr.length * FRAME);
    fr.forEach((f, i) => sp.set(f.speaker, i * FRAME));
    return sp.length > 16000 && rms(sp.subarray(-8000)) > 500 &&
      dominant(sp.subarray(-8000)) === 450;
  }, 8000, 'the radio on the speaker (440 Hz: the scan reads 450)');
  await floorEvent((d) => d.floor.state === 'idle', 'Floor Idle after');
});

test('PTT: the network grants the floor and hears the dispatcher',
  async () => {
    await con.call('radio.select', { talkgroup: TG, on: true });
    const p = await con.call('radio.ptt', { on: true });
    assert.equal(p.ok, true, JSON.stringify(p));
    const g = await floorEvent((d) => d.floor.state === 'granted',
      'Floor Granted');
    assert.equal(g.floor.tx, true);
    assert.equal(g.floor.holder, 'P1');
    for (let i = 0; i < 75; i++) {
      audio.sendMic(tone(700, -12, FRAME, i * FRAME));
      await new Promise((res) => setTimeout(res, 20));
    }
    const q = `/v1/groups/${encodeURIComponent(GROUP)}/audio?dispatcher=` +
      encodeURIComponent(ME);
    await waitFor(async () => {
      const s = (await api('GET', q)).json;
      return s && s.packets > 25 && Math.abs(s.freq_hz - 700) <= 25;
    }, 4000, 'the network hears 700 Hz from the dispatcher');
    await con.call('radio.ptt', { on: false });
    await floorEvent((d) => ['idle', 'released'].includes(d.floor.state),
      'floor released');
  });

test('a radio emergency reaches the console and the acknowledgement is ' +
  'shared', async () => {
  assert.equal((await api('POST', '/v1/radios/r1/emergency',
    { group: GROUP, on: true })).status, 200);
  const em = await con.nextEvent('radio.emergency',
    (d) => d.talkgroup === TG && d.emergency.on, 5000);
  assert.equal(em.emergency.by, `sip:r1@${DOMAIN}`);
  assert.equal(em.emergency.by_alias, 'Lima Two One');
  const ack = await con.call('radio.emergency_ack', { talkgroup: TG });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  assert.deepEqual(ack.result.emergency.acks, ['dora']);
  await api('POST', '/v1/radios/r1/emergency', { group: GROUP, on: false });
  await con.nextEvent('radio.emergency',
    (d) => d.talkgroup === TG && !d.emergency.on, 5000);
});
