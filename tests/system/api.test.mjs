// The WSS control channel's envelope and schema checks, events, and the
// REST, /healthz and /metrics endpoints (docs/API.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, RES, connectWs, login, loginOk, openConsole, request, startIccs,
} from '../lib/harness.mjs';
import { scrape } from '../lib/metrics.mjs';

let h;
let sue;      // supervisor session at P1
let sueCon;   // ... and her console
let sid;      // supervisor session at P4 for the malformed messages
let bad;      // ... and its console

before(async () => {
  h = await startIccs();
  await Promise.all([
    h.addOperator('sue', ['supervisor']),
    h.addOperator('carl', ['calltaker']),
    h.addOperator('vic', ['cctv']),
    h.addOperator('sid', ['supervisor']),
  ]);
  sue = await loginOk(h, 'sue', PASSWORD, 'P1');
  sueCon = await openConsole(h, sue.token);
  sid = await loginOk(h, 'sid', PASSWORD, 'P4');
  bad = await openConsole(h, sid.token);
});

after(async () => {
  if (sueCon) await sueCon.close();
  if (bad) await bad.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

function assertError(r, code, names, what) {
  assert.equal(r.ok, false, `${what}: ${JSON.stringify(r)}`);
  assert.equal(r.error.code, code, `${what}: ${JSON.stringify(r)}`);
  if (names) {
    assert.match(r.error.reason, names, `${what}: reason does not name ` +
      `the field: ${r.error.reason}`);
  }
}

// --- envelope and schema ---------------------------------------------------

test('a request before hello gets 401', async () => {
  const c = await connectWs(h);
  try {
    assertError(await c.call('ping'), 401, null, 'ping before hello');
    assertError(await c.call('position.list'), 401, null,
      'position.list before hello');
  } finally {
    await c.close();
  }
});

// A 400 reply to something sent after this call (the reply may carry no id)
function next400(what) {
  return bad.nextMessage((x) => x.ok === false && x.error?.code === 400,
    5000, what);
}

test('non-JSON text gets 400', async () => {
  bad.consumeAll();
  bad.sendRaw('this is not json {');
  const m = await next400('a 400 reply to non-JSON');
  assert.equal(typeof m.error.reason, 'string');
});

test('a JSON value that is not an object gets 400', async () => {
  bad.consumeAll();
  bad.sendRaw('[1, 2, 3]');
  await next400('a 400 reply to an array');
});

test('a missing op gets 400 naming op, with the id echoed', async () => {
  for (const msg of [{ id: 11 }, { op: 5, id: 12 }]) {
    bad.consumeAll();
    bad.send(msg);
    const m = await next400(`a 400 reply to ${JSON.stringify(msg)}`);
    assert.match(m.error.reason, /op/);
    assert.equal(m.id, msg.id, `id not echoed: ${JSON.stringify(m)}`);
  }
});

test('an unknown op gets 404', async () => {
  const r = await bad.callRaw({ op: 'frobnicate', id: 13 });
  assertError(r, 404, /frobnicate/, 'unknown op');
  assert.equal(r.id, 13);
});

test('an unknown field gets 400 naming it', async () => {
  assertError(await bad.callRaw({ op: 'ping', id: 14, colour: 'red' }),
    400, /colour/, 'unknown field');
  assertError(await bad.callRaw({ op: 'position.list', id: 15,
    verbose: true }), 400, /verbose/, 'unknown field');
});

test('an ill-typed or out-of-range field gets 400 naming it', async () => {
  assertError(await bad.callRaw({ op: 'resource.list', id: 16,
    type: 5 }), 400, /type/, 'type: number');
  assertError(await bad.callRaw({ op: 'audit.list', id: 17,
    limit: 'ten' }), 400, /limit/, 'limit: string');
  assertError(await bad.callRaw({ op: 'audit.list', id: 18,
    limit: 501 }), 400, /limit/, 'limit: 501');
  // validated before the feature check: a supervisor may use camera.ptz
  assertError(await bad.callRaw({ op: 'camera.ptz', id: 19,
    camera: RES.camera, pan: 2, tilt: 0, zoom: 0 }), 400, /pan/,
  'pan: 2');
});

test('a missing required field gets 400 naming it', async () => {
  assertError(await bad.callRaw({ op: 'camera.ptz', id: 20,
    camera: RES.camera, tilt: 0, zoom: 0 }), 400, /pan/, 'pan missing');
  assertError(await bad.callRaw({ op: 'camera.ptz', id: 21, pan: 0,
    tilt: 0, zoom: 0 }), 400, /camera/, 'camera missing');
});

test('an ill-typed id gets 400 naming id', async () => {
  for (const id of ['seven', -1, 1.5]) {
    bad.consumeAll();
    bad.send({ op: 'ping', id });
    const m = await next400(`400 for id ${JSON.stringify(id)}`);
    assert.match(m.error.reason, /\bid\b/);
  }
});

test('ids are echoed, including 0, with replies to concurrent requests',
  async () => {
    const ids = [0, 7, 4242, 2147483648];
    const replies = await Promise.all(ids.map((id) =>
      bad.callRaw({ op: 'ping', id })));
    replies.forEach((r, i) => {
      assert.equal(r.id, ids[i]);
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(typeof r.result.time, 'number');
      assert.ok(Math.abs(r.result.time - Date.now()) < 60000,
        'ping time is not ms since the epoch');
    });
  });

test('the channel survives bad messages', async () => {
  assert.equal(bad.closeInfo, null, 'the server closed the channel');
  const r = await bad.call('session.info');
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.result.position.id, 'P4');
  assert.equal(r.result.operator.username, 'sid');
  await bad.close();
  const out = await request(h, 'DELETE', '/api/v1/session', undefined,
    sid.token);
  assert.ok(out.status < 300, out.text);
});

test('an oversize message gets 413 or a close with 1009', async () => {
  const s = await loginOk(h, 'vic', PASSWORD, 'P3');
  const c = await openConsole(h, s.token);
  try {
    c.send({ op: 'ping', id: 99, pad: 'x'.repeat(70 * 1024) });
    const closed = c.closed.then((ci) => ({ close: ci }));
    const outcome = await Promise.race([
      c.nextMessage((x) => x.ok === false, 5000, 'a 413 reply or a close')
        .then((m) => ({ reply: m }), () => closed),
      closed,
    ]);
    if (outcome.reply) {
      assert.equal(outcome.reply.error.code, 413,
        JSON.stringify(outcome.reply));
    } else {
      assert.equal(outcome.close.code, 1009, JSON.stringify(outcome.close));
    }
  } finally {
    await c.close();
    await request(h, 'DELETE', '/api/v1/session', undefined, s.token);
  }
});

// --- events ----------------------------------------------------------------

test('a supervisor console gets position.update on login and logout',
  async () => {
    const s = await loginOk(h, 'carl', PASSWORD, 'P2');
    const on = await sueCon.nextEvent('position.update',
      (d) => d.id === 'P2' && d.session?.operator === 'carl', 5000);
    assert.deepEqual(on.session.roles, ['calltaker']);
    assert.equal(on.site, 'lambeth');
    const out = await request(h, 'DELETE', '/api/v1/session', undefined,
      s.token);
    assert.ok(out.status < 300, out.text);
    const off = await sueCon.nextEvent('position.update',
      (d) => d.id === 'P2' && d.session === null, 5000);
    assert.equal(off.name, 'Lambeth 2');
  });

test('a calltaker console gets no position.update', async () => {
  const s = await loginOk(h, 'carl', PASSWORD, 'P2');
  const c = await openConsole(h, s.token);
  try {
    const v = await loginOk(h, 'vic', PASSWORD, 'P3');
    // sue sees vic arrive, so the event was sent by now ...
    await sueCon.nextEvent('position.update',
      (d) => d.id === 'P3' && d.session?.operator === 'vic', 5000);
    // ... and a ping round trip on carl's channel flushes anything queued
    assert.equal((await c.call('ping')).ok, true);
    assert.equal(c.events.filter((e) => e.event === 'position.update')
      .length, 0, JSON.stringify(c.events));
    await request(h, 'DELETE', '/api/v1/session', undefined, v.token);
  } finally {
    await c.close();
    await request(h, 'DELETE', '/api/v1/session', undefined, s.token);
  }
});

// --- REST ------------------------------------------------------------------

test('GET /api/v1/positions lists every position with its session',
  async () => {
    const r = await request(h, 'GET', '/api/v1/positions', undefined,
      sue.token);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers['content-type'], /application\/json/);
    const ps = r.json.positions;
    assert.deepEqual(ps.map((p) => p.id).sort(),
      ['P1', 'P2', 'P3', 'P4', 'P5']);
    const p1 = ps.find((p) => p.id === 'P1');
    for (const k of ['id', 'name', 'site', 'node', 'spare', 'layout',
      'session']) {
      assert.ok(k in p1, `position lacks ${k}: ${JSON.stringify(p1)}`);
    }
    assert.equal(p1.session.operator, 'sue');
    assert.equal(ps.find((p) => p.id === 'P4').spare, true);
    assert.equal(ps.find((p) => p.id === 'P5').node, 'hendon-1');
  });

test('GET /api/v1/operators lists operators without password hashes',
  async () => {
    const r = await request(h, 'GET', '/api/v1/operators', undefined,
      sue.token);
    assert.equal(r.status, 200, r.text);
    const names = r.json.operators.map((o) => o.username).sort();
    assert.deepEqual(names, ['carl', 'sid', 'sue', 'vic']);
    assert.ok(!/argon2|pw_hash|password/.test(r.text), r.text);
  });

test('GET /api/v1/resources is filtered by role', async () => {
  const ids = async (token, q = '') => {
    const r = await request(h, 'GET', `/api/v1/resources${q}`, undefined,
      token);
    assert.equal(r.status, 200, r.text);
    return r.json.resources.map((x) => x.id).sort();
  };
  const carl = await loginOk(h, 'carl', PASSWORD, 'P2');
  const vic = await loginOk(h, 'vic', PASSWORD, 'P3');
  try {
    assert.deepEqual(await ids(carl.token), [RES.queue]);
    assert.deepEqual(await ids(vic.token), [RES.camera]);
    assert.deepEqual(await ids(sue.token),
      [RES.camera, RES.queue, RES.talkgroup].sort());
    assert.deepEqual(await ids(sue.token, '?type=talkgroup'),
      [RES.talkgroup]);
    assert.deepEqual(await ids(carl.token, '?type=camera'), []);
    // the same over WSS
    const w = await sueCon.call('resource.list', { type: 'queue' });
    assert.equal(w.ok, true, JSON.stringify(w));
    assert.deepEqual(w.result.resources.map((x) => x.id), [RES.queue]);
    assert.equal(w.result.resources[0].type, 'queue');
  } finally {
    await request(h, 'DELETE', '/api/v1/session', undefined, carl.token);
    await request(h, 'DELETE', '/api/v1/session', undefined, vic.token);
  }
});

test('REST errors are JSON with the status as code; unknown path 404',
  async () => {
    const r = await request(h, 'GET', '/api/v1/nothing-here', undefined,
      sue.token);
    assert.equal(r.status, 404, r.text);
    assert.equal(r.json.error.code, 404);
  });

test('/healthz answers 200 without authentication', async () => {
  const r = await request(h, 'GET', '/healthz');
  assert.equal(r.status, 200, r.text);
});

// --- /metrics --------------------------------------------------------------

const metrics = () => scrape(h);

test('/metrics: Prometheus text with the documented metrics', async () => {
  const m = await metrics();
  for (const name of ['iccs_up', 'iccs_build_info', 'iccs_sessions',
    'iccs_positions', 'iccs_ws_connections', 'iccs_logins_total',
    'iccs_api_requests_total', 'iccs_api_errors_total',
    'iccs_audit_entries', 'iccs_http_requests_total']) {
    assert.ok(m.types.has(name), `no # TYPE line for ${name}`);
  }
  assert.equal(m.get('iccs_up')[0]?.value, 1);
  assert.ok(m.get('iccs_build_info')[0]?.labels.version,
    'iccs_build_info has no version label');
  assert.equal(m.types.get('iccs_logins_total'), 'counter');
  assert.equal(m.types.get('iccs_sessions'), 'gauge');
  // no personal data
  assert.doesNotMatch(m.text, /\b(sue|sid|carl|vic)\b/);
});

test('/metrics: iccs_sessions and iccs_positions follow logins', async () => {
  const count = async () => {
    const r = await sueCon.call('session.list');
    assert.equal(r.ok, true, JSON.stringify(r));
    return r.result.sessions.length;
  };
  const check = async (expected) => {
    assert.equal(await count(), expected, 'session.list');
    const m = await metrics();
    assert.equal(m.get('iccs_sessions')[0]?.value, expected,
      'iccs_sessions');
    assert.equal(m.get('iccs_positions', { state: 'occupied' })[0]?.value,
      expected, 'iccs_positions{state="occupied"}');
    assert.equal(m.get('iccs_positions', { state: 'free' })[0]?.value,
      5 - expected, 'iccs_positions{state="free"}');
  };
  await check(1);
  const c = await loginOk(h, 'carl', PASSWORD, 'P2');
  await check(2);
  await request(h, 'DELETE', '/api/v1/session', undefined, c.token);
  await check(1);
});

test('/metrics: a failed login is counted', async () => {
  const failed = (m) => m.samples.filter((s) => s.name ===
    'iccs_logins_total' && s.labels.result !== 'ok')
    .reduce((a, s) => a + s.value, 0);
  const before = failed(await metrics());
  const r = await login(h, 'carl', 'definitely wrong!!', 'P2');
  assert.equal(r.status, 401);
  const after = failed(await metrics());
  assert.equal(after, before + 1);
});
