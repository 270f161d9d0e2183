// Config validation: `iccsd --check` and the daemon itself refuse a bad
// config with "file:line: reason", exit 2, and nothing half-applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import net from 'node:net';
import { configText, makeIccsDir, runIccsd, lineOf } from
  '../lib/harness.mjs';

// Each case: how to break the generated config, the line that holds the
// mistake, and what the reason must name
const BAD = [
  {
    name: 'unknown key',
    patch: (t) => t.replace('  run_as: nobody\n',
      '  run_as: nobody\n  frobnicate: yes\n'),
    line: /^\s+frobnicate:/,
    names: /frobnicate/,
  },
  {
    name: 'bad type',
    patch: (t) => t.replace(/lockout_attempts: \d+/, 'lockout_attempts: many'),
    line: /lockout_attempts:/,
    names: /lockout_attempts/,
  },
  {
    name: 'out of range (negative minutes)',
    patch: (t) => t.replace(/session_idle_minutes: \d+/,
      'session_idle_minutes: -5'),
    line: /session_idle_minutes:/,
    names: /session_idle_minutes/,
  },
  {
    name: 'out of range (port 70000)',
    patch: (t) => t.replace(/https: "127\.0\.0\.1:\d+"/,
      'https: "127.0.0.1:70000"'),
    line: /https: "127\.0\.0\.1:70000"/,
    names: /https|listen/,
  },
  {
    name: 'tls.min_version 1.1',
    patch: (t) => t.replace(/min_version: "1\.2"/, 'min_version: "1.1"'),
    line: /min_version:/,
    names: /min_version/,
  },
  {
    name: 'run_as root',
    patch: (t) => t.replace('run_as: nobody', 'run_as: root'),
    line: /run_as:/,
    names: /run_as/,
  },
  {
    name: 'dangling position site',
    patch: (t) => t.replace(/(- id: P2\n\s+name: [^\n]+\n\s+)site: lambeth/,
      '$1site: nowhere'),
    line: /site: nowhere/,
    names: /site/,
    also: /nowhere/,
  },
  {
    name: 'audit key file readable by others (0644)',
    prepare: async (d) => fsp.chmod(d.keyFile, 0o644),
    line: /audit_key:/,
    names: /audit[._]key/,
  },
];

async function badDir(c) {
  const d = await makeIccsDir({ configPatch: c.patch });
  if (c.patch) {
    assert.notEqual(d.configText, configText(d.opts),
      `case "${c.name}": the patch did not change the config`);
  }
  if (c.prepare) await c.prepare(d);
  return d;
}

// The diagnostic must point at the file and line, and name the key
function assertDiagnostic(c, d, r) {
  const out = r.stderr + r.stdout;
  const line = lineOf(d.configText, c.line);
  const prefix = `${d.configPath}:${line}: `;
  const hit = out.split('\n').find((l) => l.includes(prefix));
  assert.ok(hit, `case "${c.name}": expected a line starting ` +
    `"${prefix}", got:\n${out}`);
  const reason = hit.slice(hit.indexOf(prefix) + prefix.length);
  assert.match(reason, c.names, `case "${c.name}": reason "${reason}" ` +
    `does not name the key`);
  if (c.also) assert.match(reason, c.also);
}

test('--check accepts the good config and exits 0 without starting',
  async () => {
  const d = await makeIccsDir();
  const r = await runIccsd(['-c', d.configPath, '--check']);
  assert.equal(r.timedOut, false, '--check did not return');
  assert.equal(r.code, 0, `--check refused a good config:\n${r.stderr}`);
  // --check must not have bound the port
  await assertNotListening(d.port);
});

for (const c of BAD) {
  test(`--check refuses: ${c.name}`, async () => {
    const d = await badDir(c);
    const r = await runIccsd(['-c', d.configPath, '--check']);
    assert.equal(r.timedOut, false, '--check did not return');
    assert.equal(r.code, 2, `exit code; output:\n${r.stderr}${r.stdout}`);
    assertDiagnostic(c, d, r);
  });
}

for (const name of ['unknown key', 'run_as root',
  'audit key file readable by others (0644)']) {
  test(`the daemon refuses to start: ${name}`, async () => {
    const c = BAD.find((x) => x.name === name);
    const d = await badDir(c);
    const r = await runIccsd(['-c', d.configPath], { timeoutMs: 10000 });
    assert.equal(r.timedOut, false,
      `iccsd kept running with a bad config:\n${r.stderr}`);
    assert.equal(r.code, 2, `exit code; output:\n${r.stderr}${r.stdout}`);
    assertDiagnostic(c, d, r);
    await assertNotListening(d.port);
  });
}

test('a config file that does not exist is refused with exit 2', async () => {
  const d = await makeIccsDir();
  const missing = `${d.dir}/nope.yaml`;
  const r = await runIccsd(['-c', missing, '--check']);
  assert.equal(r.code, 2);
  assert.match(r.stderr + r.stdout, /nope\.yaml/);
});

function assertNotListening(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      reject(new Error(`something listens on ${port}`));
    });
    s.once('error', (err) => {
      if (err.code === 'ECONNREFUSED') resolve();
      else reject(err);
    });
  });
}
