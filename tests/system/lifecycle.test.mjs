// The daemon's life: root drop, SIGHUP reload, SIGTERM, kill -9
// durability of the store and the audit chain, and tamper detection.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import {
  PASSWORD, RES, auditExport, freePort, isRoot, login, loginOk,
  openConsole, operatorList, request, sqlite, startIccs, waitFor,
} from '../lib/harness.mjs';

const handles = [];
after(async () => {
  for (const h of handles) await h.stop();
});

async function start(opts) {
  const h = await startIccs(opts);
  handles.push(h);
  return h;
}

function procStatus(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (k) => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(s)[1]
    .trim().split(/\s+/).filter((x) => x !== '').map(Number);
  return { uid: field('Uid'), gid: field('Gid'), groups: field('Groups') };
}

function refused(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err) => resolve(err.code === 'ECONNREFUSED'));
  });
}

async function verify(h) {
  const r = await h.iccsctl(['audit', 'verify']);
  return { ...r, out: r.stdout + r.stderr };
}

// --- one daemon: root drop, reload, orderly stop -----------------------

let h1;
let sam;   // supervisor session on h1

test('started as root, the daemon runs as nobody after binding',
  { skip: !isRoot() && 'needs root' }, async () => {
    h1 = await start();
    const st = procStatus(h1.pid);
    // real, effective, saved and filesystem ids all dropped
    assert.deepEqual(st.uid, [65534, 65534, 65534, 65534],
      `Uid: ${st.uid}`);
    assert.deepEqual(st.gid, [65534, 65534, 65534, 65534],
      `Gid: ${st.gid}`);
    assert.ok(!st.groups.includes(0), `still in group root: ${st.groups}`);
    const sd = fs.statSync(`${h1.dir}/state`);
    assert.equal(sd.uid, 65534, 'state dir not owned by the run_as user');
    // and it still works: it can write its store as nobody
    await h1.addOperator('sam', ['supervisor']);
    sam = await loginOk(h1, 'sam', PASSWORD, 'P1');
    assert.equal(sam.position.id, 'P1');
  });

test('SIGHUP reloads names and resources; a new listen port waits for a ' +
  'restart', async () => {
  if (!h1) {
    h1 = await start();
    await h1.addOperator('sam', ['supervisor']);
  }
  if (!sam) sam = await loginOk(h1, 'sam', PASSWORD, 'P1');
  const con = await openConsole(h1, sam.token);
  try {
    const newPort = await freePort();
    const text = h1.configText
      .replace('name: Lambeth 1\n', 'name: Lambeth One\n')
      .replace(`127.0.0.1:${h1.port}`, `127.0.0.1:${newPort}`)
      .replace('talkgroups:\n', 'talkgroups:\n' +
        '  - id: tg-hendon-ops\n    name: Hendon Ops\n' +
        '    roles: [supervisor]\n    tetra_gssi: 3001\n' +
        '    preferred_bearer: tetra\n');
    assert.notEqual(text, h1.configText);
    const mark = h1.logs().length;
    await h1.writeConfig(text);
    h1.signal('SIGHUP');

    await waitFor(async () => {
      const r = await con.call('position.list');
      return r.ok && r.result.positions.find((p) => p.id === 'P1')
        .name === 'Lambeth One';
    }, 5000, 'position.list to show the new name of P1');
    const res = await con.call('resource.list', { type: 'talkgroup' });
    assert.deepEqual(res.result.resources.map((x) => x.id).sort(),
      ['tg-hendon-ops', RES.talkgroup].sort());

    await waitFor(() => {
      const l = h1.logs().slice(mark);
      return /listen\.https[^\n]*restart/i.test(l);
    }, 5000, 'a log line saying the listen change needs a restart');
    // ignored: still on the old port, nothing on the new one
    const hz = await request(h1, 'GET', '/healthz');
    assert.equal(hz.status, 200);
    assert.ok(await refused(newPort), `something listens on ${newPort}`);
  } finally {
    await con.close();
  }
});

test('SIGHUP with a broken config keeps the running one', async () => {
  assert.ok(h1, 'needs the daemon of the tests above');
  const sup = await loginOk(h1, 'sam', PASSWORD, 'P2');
  const good = h1.configText;
  const mark = h1.logs().length;
  await h1.writeConfig(good.replace('name: Lambeth One\n',
    'name: Lambeth Uno\n    bogus_key: 1\n'));
  h1.signal('SIGHUP');
  await waitFor(() => h1.logs().slice(mark).includes(`${h1.configPath}:`),
    5000, 'the reload error naming the config file');
  assert.match(h1.logs().slice(mark), /bogus_key/);
  const r = await request(h1, 'GET', '/api/v1/positions', undefined,
    sup.token);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.positions.find((p) => p.id === 'P1').name,
    'Lambeth One', 'a half-applied or applied broken config');
  await h1.writeConfig(good);
});

test('SIGTERM: exit 0, "daemon.stop" audited, chain intact', async () => {
  assert.ok(h1, 'needs the daemon of the tests above');
  const code = await h1.stop();
  assert.equal(code, 0, h1.logs());
  const entries = await auditExport(h1);
  const daemon = entries.filter((e) => /^daemon\./.test(e.action));
  assert.equal(daemon.at(-1)?.action, 'daemon.stop',
    JSON.stringify(daemon));
  const v = await verify(h1);
  assert.equal(v.code, 0, v.out);
  assert.match(v.out, new RegExp(`audit chain intact: ${entries.length} ` +
    'entries'));
});

// --- kill -9 durability ----------------------------------------------------

const rnd = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo + 1));

// Logins, logouts and operator.add requests until the daemon is killed
// at a random point; returns what was acknowledged
async function churn(h, round) {
  const acked = { adds: [], login: {}, logout: {} };
  const killAt = rnd(4, 18);
  let acks = 0;
  let kill = null;
  const ack = () => {
    if (++acks === killAt) {
      // jitter so the kill lands in different places of the work
      kill = new Promise((resolve) => setTimeout(() =>
        resolve(h.kill9()), rnd(0, 15)));
    }
  };
  const admin = await loginOk(h, 'ada', PASSWORD, 'P3');
  const adder = async () => {
    for (let i = 0; !kill || !h.exitInfo; i++) {
      const name = `r${round}op${i}`;
      let r;
      try {
        r = await request(h, 'POST', '/api/v1/operators', {
          username: name, password: PASSWORD, roles: ['calltaker'],
        }, admin.token);
      } catch {
        return;  // the daemon is gone
      }
      assert.ok(r.status === 200 || r.status === 201, r.text);
      acked.adds.push(name);
      ack();
    }
  };
  const walker = async (user, pos) => {
    acked.login[user] = 0;
    acked.logout[user] = 0;
    while (!kill || !h.exitInfo) {
      let r;
      try {
        r = await login(h, user, PASSWORD, pos);
      } catch {
        return;
      }
      assert.equal(r.status, 201, `${user} login: ${r.text}`);
      acked.login[user]++;
      ack();
      try {
        r = await request(h, 'DELETE', '/api/v1/session', undefined,
          r.json.token);
      } catch {
        return;
      }
      assert.ok(r.status < 300, r.text);
      acked.logout[user]++;
      ack();
    }
  };
  await Promise.all([adder(), walker('wes', 'P1'), walker('will', 'P2')]);
  assert.ok(kill, `the daemon stopped answering after ${acks} acks, before ` +
    `the kill planned at ${killAt}; log:\n${h.logs().slice(-3000)}`);
  await kill;
  assert.equal(h.exitInfo.signal, 'SIGKILL');
  return { acked, killAt };
}

function countOf(entries, action, actor) {
  return entries.filter((e) => e.action === action && e.actor === actor &&
    e.result === 'ok').length;
}

test('kill -9 at random points loses nothing acknowledged', async (ctx) => {
  const h = await start();
  await Promise.all([
    h.addOperator('ada', ['admin']),
    h.addOperator('wes', ['calltaker']),
    h.addOperator('will', ['calltaker']),
  ]);
  const total = { adds: [], login: { wes: 0, will: 0 },
    logout: { wes: 0, will: 0 } };
  for (let round = 1; round <= 3; round++) {
    if (round > 1) await h.start();
    const { acked, killAt } = await churn(h, round);
    total.adds.push(...acked.adds);
    for (const u of ['wes', 'will']) {
      total.login[u] += acked.login[u];
      total.logout[u] += acked.logout[u];
    }
    const what = `round ${round} (killed after ${killAt} acks)`;
    ctx.diagnostic(`${what}: ${acked.adds.length} operator.add, ` +
      `${acked.login.wes + acked.login.will} logins, ` +
      `${acked.logout.wes + acked.logout.will} logouts acknowledged`);

    const v = await verify(h);
    assert.equal(v.code, 0, `${what}: audit verify:\n${v.out}`);
    assert.match(v.out, /audit chain intact: \d+ entries/);

    const names = new Set((await operatorList(h)).map((o) => o.username));
    const lost = total.adds.filter((n) => !names.has(n));
    assert.deepEqual(lost, [], `${what}: acknowledged operators lost`);

    const entries = await auditExport(h);
    const added = entries.filter((e) => /operator\.add/.test(e.action) &&
      e.result === 'ok').map((e) => JSON.stringify(e));
    const unaudited = total.adds.filter((n) =>
      !added.some((t) => t.includes(`"${n}"`)));
    assert.deepEqual(unaudited, [], `${what}: operator.add not audited`);
    for (const u of ['wes', 'will']) {
      assert.ok(countOf(entries, 'login', u) >= total.login[u],
        `${what}: ${total.login[u]} logins of ${u} acknowledged, ` +
        `${countOf(entries, 'login', u)} audited`);
      assert.ok(countOf(entries, 'logout', u) >= total.logout[u],
        `${what}: ${total.logout[u]} logouts of ${u} acknowledged, ` +
        `${countOf(entries, 'logout', u)} audited`);
    }
  }
  assert.ok(total.adds.length > 0 || total.login.wes > 0);

  // it starts again on the same store, and what was added works
  await h.start();
  const last = total.adds.at(-1);
  if (last) {
    const s = await loginOk(h, last, PASSWORD, 'P4');
    await request(h, 'DELETE', '/api/v1/session', undefined, s.token);
  }
  assert.equal(await h.stop(), 0, h.logs());
  const v = await verify(h);
  assert.equal(v.code, 0, v.out);

  // --- tampering with the stopped daemon's store ---------------------------
  const db = h.storePath;
  const n = Number(sqlite(db, 'select count(*) from audit').trim());
  assert.ok(n >= 10, `only ${n} audit entries`);

  const actor = sqlite(db, 'select actor from audit where seq=3').trim();
  sqlite(db, "update audit set actor='x' where seq=3");
  let t = await verify(h);
  assert.equal(t.code, 1, `altered actor of seq 3 not found:\n${t.out}`);
  assert.match(t.out, /^seq 3: \S/m, t.out);
  assert.doesNotMatch(t.out, /intact/);
  sqlite(db, `update audit set actor='${actor.replace(/'/g, "''")}' ` +
    'where seq=3');
  t = await verify(h);
  assert.equal(t.code, 0, `restored row still fails:\n${t.out}`);

  // the newest entry removed: found through the audit head
  const lastSeq = Number(sqlite(db, 'select max(seq) from audit').trim());
  const lastRow = sqlite(db, `select * from audit where seq=${lastSeq}`,
    ['.mode insert audit']);
  assert.match(lastRow, /^INSERT INTO/);
  sqlite(db, `delete from audit where seq=${lastSeq}`);
  t = await verify(h);
  assert.equal(t.code, 1, `deleted newest seq ${lastSeq} not found:\n` +
    t.out);
  assert.match(t.out, new RegExp(`^seq ${lastSeq}: \\S`, 'm'), t.out);
  sqlite(db, lastRow);
  t = await verify(h);
  assert.equal(t.code, 0, `re-inserted newest row still fails:\n${t.out}`);

  const mid = Math.floor(n / 2);
  sqlite(db, `delete from audit where seq=${mid}`);
  t = await verify(h);
  assert.equal(t.code, 1, `deleted seq ${mid} not found:\n${t.out}`);
  assert.match(t.out, new RegExp(`^seq ${mid}: \\S`, 'm'), t.out);
});
