// iccsd as an Airwave dispatcher against the simulated TETRA terminal
// and network (iccs-sim tetra): the setup the TETRA system tests share.
// startTetra() writes the simulator's config (groups, radios, a 440 Hz
// recording as "speech"), starts it and an iccsd whose tetra: section
// points at its PEI port and RTP gateway, with one dispatcher logged in
// at P1 holding a control and an audio channel.  With opts.esn, an ESN
// simulator runs too (tests/lib/esn.mjs) and the harness's talkgroup
// has both bearers.  Ports are picked here; every process is stopped by
// its pid.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  makeTempDir, freePort, run, waitFor, startIccs, loginOk, openConsole,
  RES, PASSWORD,
} from './harness.mjs';
import { AudioClient, FRAME, freeRtpPort } from './rtp.mjs';
import { SIM } from './esn.mjs';

export const TG = RES.talkgroup;          // tetra_gssi 2001 in the harness
export const GSSI = '2001';
export const ISSI = '1001';               // the terminal's own
export const tetraId = (issi) => `tetra:${issi}`;

export const DEFAULT_RADIOS = [
  { issi: '2345', alias: 'Bravo One', speech: 'TONE' },
  { issi: '2346', alias: 'Bravo Two', speech: 'Bravo two, on scene' },
];

// 'TONE' is the 440 Hz recording, 'TONE880' the 880 Hz one
export const speechOf = (dir, sp) => (sp === 'TONE' ?
  path.join(dir, 'tone.wav') : sp === 'TONE880' ?
    path.join(dir, 'tone880.wav') : sp);

// The config object as YAML: block style at the top, each value or list
// item in flow style (JSON text is YAML flow)
const yamlOf = (conf) => Object.entries(conf).map(([k, v]) =>
  (Array.isArray(v) ? `${k}:\n${v.map((x) => `  - ${JSON.stringify(x)}`)
    .join('\n')}` : `${k}: ${JSON.stringify(v)}`)).join('\n') + '\n';

// Start an iccs-sim tetra with this config object, written as YAML (or
// JSON: format 'json'); returns {proc, out}
export async function startTetraSim(dir, conf, format = 'yaml') {
  const file = path.join(dir, `tetra-${conf.pei.split(':')[1]}.${format}`);
  fs.writeFileSync(file, format === 'json' ? JSON.stringify(conf, null, 1) :
    yamlOf(conf));
  const s = { out: '' };
  s.proc = spawn(SIM, ['tetra', '--config', file],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  s.proc.stdout.on('data', (d) => { s.out += d; });
  s.proc.stderr.on('data', (d) => { s.out += d; });
  await waitFor(() => s.out.includes('tetra: ready'), 15000,
    'tetra sim ready');
  return s;
}

export async function stopProc(p) {
  if (!p || p.exitCode !== null || p.signalCode) return;
  process.kill(p.pid, 'SIGTERM');
  await waitFor(() => p.exitCode !== null || p.signalCode, 5000,
    'process exit').catch(() => process.kill(p.pid, 'SIGKILL'));
}

// opts: radios, groups, preferred ('tetra' | 'esn'; the harness's
// talkgroup), esn ({groups, radios}: start an ESN simulator too and add
// iccsd's esn: section), failback (true), extraTalkgroups (YAML items
// added to talkgroups:), directory ([{id, alias}]), console (false: no
// control/audio channel logged in here), serial (true: the terminal
// on a pseudo-terminal through socat), simFormat ('yaml' or 'json': the
// simulator's config file)
export async function startTetra(opts = {}) {
  const t = {
    radios: opts.radios ?? DEFAULT_RADIOS,
    groups: opts.groups ?? [{ gssi: GSSI, name: 'Lambeth Ops' }],
    simOut: () => t.sim?.out ?? '',
  };
  Object.assign(t, helpers(t));
  try {
    t.dir = await makeTempDir('iccs-tetra-');
    const sox = await run('sox', ['-n', '-r', '16000', '-c', '1', '-b',
      '16', path.join(t.dir, 'tone.wav'), 'synth', '3', 'sine', '440',
      'vol', '0.25']);
    assert.equal(sox.code, 0, sox.stderr);
    const sox2 = await run('sox', ['-n', '-r', '16000', '-c', '1', '-b',
      '16', path.join(t.dir, 'tone880.wav'), 'synth', '3', 'sine', '880',
      'vol', '0.25']);
    assert.equal(sox2.code, 0, sox2.stderr);
    t.peiPort = await freePort();
    t.httpPort = await freePort();
    t.simRtp = await freeRtpPort();
    t.iccsRtp = await freeRtpPort();
    t.sim = await startTetraSim(t.dir, {
      pei: `127.0.0.1:${t.peiPort}`, http: `127.0.0.1:${t.httpPort}`,
      rtp: `127.0.0.1:${t.simRtp}`, rtp_remote: `127.0.0.1:${t.iccsRtp}`,
      codec: 'PCMA', issi: ISSI, hang_time: opts.hangTime ?? 2,
      groups: t.groups,
      radios: t.radios.map((r) => ({ issi: r.issi, alias: r.alias,
        groups: r.groups ?? [GSSI], speech: speechOf(t.dir, r.speech),
        answer: r.answer ?? 'auto' })),
    }, opts.simFormat);
    const directory = opts.directory ?? [
      { id: tetraId('2345'), alias: 'Bravo One' }];
    if (opts.esn) {
      t.esn = await startEsnSim(t.dir, opts.esn);
      opts.esnPatch = t.esn.patch(directory);
    }
    // serial: the terminal behind a pseudo-terminal (socat), so the
    // bearer's termios path runs
    let terminal = `127.0.0.1:${t.peiPort}`;
    if (opts.serial) {
      fs.chmodSync(t.dir, 0o755);   // iccsd opens it after dropping root
      terminal = path.join(t.dir, 'pei-tty');
      t.socat = spawn('socat', [`PTY,link=${terminal},raw,echo=0,` +
        'mode=666', `TCP:127.0.0.1:${t.peiPort}`], { stdio: 'ignore' });
      await waitFor(() => fs.existsSync(terminal), 5000, 'the pty');
    }
    const pref = opts.preferred ?? 'tetra';
    t.h = await startIccs({ configPatch: (text) => {
      let out = text.replace(/preferred_bearer: esn/,
        `preferred_bearer: ${pref}`);
      if (opts.extraTalkgroups)
        out = out.replace(/^queues:/m, `${opts.extraTalkgroups}queues:`);
      out += [
        'tetra:', `  terminal: "${terminal}"`,
        `  rtp_local: "127.0.0.1:${t.iccsRtp}"`,
        `  rtp_remote: "127.0.0.1:${t.simRtp}"`, '  codec: PCMA',
        `  failback: ${opts.failback ?? true}`,
        ''].join('\n');
      if (opts.esnPatch) out = opts.esnPatch(out);
      else {
        out += ['directory:', ...directory.map((d) =>
          `  - {id: "${d.id}", alias: ${d.alias}}`), ''].join('\n');
      }
      return out;
    } });
    await t.h.addOperator('dora', ['dispatcher']);
    if (opts.console === false) return t;   // a browser logs in instead
    t.disp = await loginOk(t.h, 'dora', PASSWORD, 'P1');
    t.con = await openConsole(t.h, t.disp.token);
    t.audio = await AudioClient.connect(t.h, t.disp.token);
  } catch (err) {
    await t.stop().catch(() => {});
    throw err;
  }
  return t;
}

function helpers(t) {
  const api = async (method, p, body) => {
    const r = await fetch(`http://127.0.0.1:${t.httpPort}${p}`, {
      method, body: body ? JSON.stringify(body) : undefined,
      headers: body ? { 'content-type': 'application/json' } : {},
    });
    return { status: r.status, json: r.status === 200 ? await r.json() : null };
  };
  const state = async () => (await api('GET', '/v1/state')).json;
  const group = async (gssi = GSSI) => (await state()).groups
    .find((g) => g.gssi === gssi);
  const heard = async (gssi = GSSI) =>
    (await api('GET', `/v1/groups/${gssi}/audio`)).json;
  const logs = () => `\n--- iccsd ---\n${t.h?.logs().slice(-4000)}` +
    `\n--- tetra sim ---\n${t.simOut().slice(-2000)}`;
  const floorEvent = (pred, what, ms = 5000, tg = TG, con = t.con) =>
    con.nextEvent('radio.floor', (d) => d.talkgroup === tg && pred(d), ms)
      .catch((err) => {
        throw new Error(`${what}: ${err.message}${logs()}`);
      });
  const ready = () => waitFor(async () => (await t.con.call('radio.state',
    {})).result.links.tetra?.up === true, 10000,
  'consoles told the TETRA terminal is ready');
  const speakerSince = (n0, ch = 'speaker') => {
    const fr = t.audio.frames.slice(n0);
    const sp = new Int16Array(fr.length * FRAME);
    fr.forEach((f, i) => sp.set(f[ch], i * FRAME));
    return sp;
  };
  const stop = async () => {
    if (t.audio) await t.audio.close();
    if (t.con) await t.con.close();
    // every process is stopped even when iccsd's exit is wrong
    const code = t.h ? await t.h.stop() : 0;
    await stopProc(t.sim?.proc);
    await stopProc(t.socat);
    await t.esn?.stop();
    assert.equal(code, 0, t.h?.logs());
    if (t.dir && process.env.ICCS_KEEP_DIRS !== '1')
      fs.rmSync(t.dir, { recursive: true, force: true });
  };
  return { api, state, group, heard, logs, floorEvent, ready,
    speakerSince, stop };
}

// ---- an ESN simulator next to it (dual running) ----
export const ESN_DOMAIN = 'esn.test';
export const ESN_ME = `sip:disp1@${ESN_DOMAIN}`;
export const esnGroup = (name) => `sip:${name}@${ESN_DOMAIN}`;

// groups: [uri]; radios: [{id, alias, groups: [uri], speech}]
export async function startEsnSim(dir, { groups, radios, ports } = {}) {
  const { MKCERTS } = await import('./harness.mjs');
  if (!fs.existsSync(path.join(dir, 'ca.crt'))) {
    for (const a of [[dir], [dir, '--client', 'd1']]) {
      const r = await run(MKCERTS, a);
      assert.equal(r.code, 0, r.stderr);
    }
  }
  const e = { dir, out: '', groups, radios };
  e.sipPort = ports?.sipPort ?? await freePort();
  e.httpPort = ports?.httpPort ?? await freePort();
  const conf = path.join(dir, 'esn.yaml');
  fs.writeFileSync(conf, [
    `listen: 127.0.0.1:${e.sipPort}`, `domain: ${ESN_DOMAIN}`,
    `tls: {cert: ${dir}/server.pem, ca: ${dir}/ca.crt}`,
    `http: 127.0.0.1:${e.httpPort}`, 'time_limit: 30',
    'groups:', ...groups.map((g) => `  - {uri: "${g}", name: ${g}}`),
    'radios:', ...radios.map((r) => `  - {id: ${r.id}, alias: ${r.alias},` +
      ` groups: [${r.groups.map((g) => `"${g}"`).join(', ')}],` +
      ` priority: 5, speech: "${speechOf(dir, r.speech)}"}`),
    'dispatchers:', `  - {mcptt_id: "${ESN_ME}", cn: d1}`, ''].join('\n'));
  e.proc = spawn(SIM, ['esn', '--config', conf],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  e.proc.stdout.on('data', (d) => { e.out += d; });
  e.proc.stderr.on('data', (d) => { e.out += d; });
  await waitFor(() => e.out.includes('esn: ready'), 15000, 'esn sim ready');
  e.api = async (method, p, body) => {
    const r = await fetch(`http://127.0.0.1:${e.httpPort}${p}`, {
      method, body: body ? JSON.stringify(body) : undefined,
      headers: body ? { 'content-type': 'application/json' } : {},
    });
    return { status: r.status, json: r.status === 200 ? await r.json() :
      null };
  };
  e.state = async () => (await e.api('GET', '/v1/state')).json;
  e.heard = async (uri) => (await e.api('GET', `/v1/groups/` +
    `${encodeURIComponent(uri)}/audio?dispatcher=` +
    `${encodeURIComponent(ESN_ME)}`)).json;
  e.stop = () => stopProc(e.proc);
  // iccsd's esn: section and fleet directory for this network
  e.patch = (directory) => (text) => text + [
    'esn:', `  server: "127.0.0.1:${e.sipPort}"`, `  domain: ${ESN_DOMAIN}`,
    `  mcptt_id: "${ESN_ME}"`, `  client_cert: ${dir}/client-d1.pem`,
    `  ca: ${dir}/ca.crt`, '  priority: 5',
    'directory:', ...directory.map((d) =>
      `  - {id: "${d.id}", alias: ${d.alias}}`), ''].join('\n');
  return e;
}

// ---- an Airwave group and an ESN group side by side, for patches ----
export const AW = 'tg-airwave-ops';            // tetra_gssi 2002
export const ESN_TG = esnGroup('lambeth-ops');  // the harness's TG on ESN

// TG on ESN (radio e1 "Echo One", 880 Hz), AW on Airwave (radio 2345
// "Bravo One", 440 Hz), both bearers up
export async function startDual() {
  const t = await startTetra({
    preferred: 'esn',
    groups: [{ gssi: '2002', name: 'Airwave Ops' }],
    radios: [{ issi: '2345', alias: 'Bravo One', speech: 'TONE',
      groups: ['2002'] }],
    esn: { groups: [ESN_TG],
      radios: [{ id: 'e1', alias: 'Echo One', speech: 'TONE880',
        groups: [ESN_TG] }] },
    extraTalkgroups: [`  - id: ${AW}`, '    name: Airwave Ops',
      '    roles: [dispatcher, supervisor]', '    tetra_gssi: 2002',
      ''].join('\n'),
    directory: [{ id: tetraId('2345'), alias: 'Bravo One' },
      { id: `sip:e1@${ESN_DOMAIN}`, alias: 'Echo One' }],
  });
  try {
    await waitFor(async () => {
      const l = (await t.con.call('radio.state', {})).result.links;
      return l.esn?.up && l.tetra?.up;
    }, 10000, 'both bearers up');
  } catch (err) {
    await t.stop().catch(() => {});
    throw err;
  }
  return t;
}
