// Logins, lockout, sessions and tokens (docs/API.md "Sessions").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, ROLE_LAYOUT, connectWs, login, loginOk, openConsole, request,
  startIccs,
} from '../lib/harness.mjs';

const ATTEMPTS = 3;
let h;

before(async () => {
  h = await startIccs({ lockoutAttempts: ATTEMPTS });
  await Promise.all([
    h.addOperator('alice', ['calltaker'], PASSWORD, { name: 'Alice Able' }),
    h.addOperator('bob', ['calltaker']),
    h.addOperator('walt', ['calltaker']),
    h.addOperator('lena', ['calltaker']),
    h.addOperator('cora', ['dispatcher']),
  ]);
});

after(async () => {
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

async function logout(token) {
  const r = await request(h, 'DELETE', '/api/v1/session', undefined, token);
  assert.ok(r.status === 200 || r.status === 204,
    `logout: ${r.status} ${r.text}`);
}

async function assertTokenDead(token, what) {
  const r = await request(h, 'GET', '/api/v1/session', undefined, token);
  assert.equal(r.status, 401, `${what}: token still works (${r.text})`);
}

test('login answers 201 with token, position, layout for the role',
  async () => {
  const r = await login(h, 'alice', PASSWORD, 'P1');
  assert.equal(r.status, 201, r.text);
  const s = r.json;
  assert.equal(typeof s.token, 'string');
  assert.ok(s.token.length >= 32, 'token too short to be a secret');
  assert.equal(s.operator.username, 'alice');
  assert.equal(s.operator.display_name, 'Alice Able');
  assert.ok(!JSON.stringify(s).includes('argon2'), 'password hash leaked');
  assert.equal(s.position.id, 'P1');
  assert.equal(s.position.name, 'Lambeth 1');
  assert.equal(s.site.id, 'lambeth');
  assert.deepEqual(s.roles, ['calltaker']);
  assert.equal(s.layout.id, ROLE_LAYOUT.calltaker);
  assert.ok(s.layout.panels.includes('calls'), JSON.stringify(s.layout));

  // the token works for REST and names the same session
  const info = await request(h, 'GET', '/api/v1/session', undefined,
    s.token);
  assert.equal(info.status, 200, info.text);
  assert.equal(info.json.position.id, 'P1');
  assert.equal(info.json.operator.username, 'alice');
  assert.equal(info.json.token, undefined, 'session.info repeats the token');
  await logout(s.token);
  await assertTokenDead(s.token, 'after logout');
});

test('a dispatcher gets the dispatch layout', async () => {
  const s = await loginOk(h, 'cora', PASSWORD, 'P3');
  assert.equal(s.layout.id, ROLE_LAYOUT.dispatcher);
  assert.ok(s.layout.panels.includes('radio'));
  await logout(s.token);
});

test('wrong password and unknown user get the same 401', async () => {
  const wrong = await login(h, 'walt', 'not the right password', 'P1');
  const unknown = await login(h, 'nosuchuser', 'not the right password',
    'P1');
  assert.equal(wrong.status, 401, wrong.text);
  assert.equal(unknown.status, 401, unknown.text);
  assert.equal(wrong.json.error.code, 401);
  assert.equal(wrong.json.error.reason, unknown.json.error.reason,
    'the reason tells which of username and password was wrong');
  // a good login resets the failure count for walt
  const s = await loginOk(h, 'walt', PASSWORD, 'P1');
  await logout(s.token);
});

test('malformed login bodies get 400 naming the field; unknown position 404',
  async () => {
    const noPw = await request(h, 'POST', '/api/v1/session',
      { username: 'walt', position: 'P1' });
    assert.equal(noPw.status, 400, noPw.text);
    assert.match(noPw.json.error.reason, /password/);
    const badType = await request(h, 'POST', '/api/v1/session',
      { username: 'walt', password: PASSWORD, position: 7 });
    assert.equal(badType.status, 400, badType.text);
    assert.match(badType.json.error.reason, /position/);
    const notJson = await request(h, 'POST', '/api/v1/session', '{"user');
    assert.equal(notJson.status, 400, notJson.text);
    const nowhere = await login(h, 'walt', PASSWORD, 'P99');
    assert.equal(nowhere.status, 404, nowhere.text);
  });

test(`${ATTEMPTS} failures lock the account (423 even with the right ` +
  'password) until iccsctl operator unlock', async () => {
  for (let i = 1; i <= ATTEMPTS; i++) {
    const r = await login(h, 'lena', `wrong password ${i}!!`, 'P2');
    if (i < ATTEMPTS) assert.equal(r.status, 401, `failure ${i}: ${r.text}`);
    else assert.ok([401, 423].includes(r.status), `failure ${i}: ${r.text}`);
  }
  const locked = await login(h, 'lena', PASSWORD, 'P2');
  assert.equal(locked.status, 423, `right password after lockout: ` +
    `${locked.text}`);
  assert.equal(locked.json.error.code, 423);
  assert.equal(locked.json.token, undefined);

  const u = await h.iccsctl(['operator', 'unlock', 'lena']);
  assert.equal(u.code, 0, u.stderr);
  const s = await loginOk(h, 'lena', PASSWORD, 'P2');
  await logout(s.token);
});

test('locked by iccsctl while logged in: the console gets session.ended',
  async () => {
    const s = await loginOk(h, 'cora', PASSWORD, 'P3');
    const c = await openConsole(h, s.token);
    try {
      const r = await h.iccsctl(['operator', 'lock', 'cora']);
      assert.equal(r.code, 0, r.stderr);
      const ended = await c.nextEvent('session.ended', () => true, 10000);
      assert.equal(typeof ended.reason, 'string');
      await assertTokenDead(s.token, 'after lock');
      const again = await login(h, 'cora', PASSWORD, 'P3');
      assert.equal(again.status, 423, again.text);
    } finally {
      await c.close();
      await h.iccsctl(['operator', 'unlock', 'cora']);
    }
    const s2 = await loginOk(h, 'cora', PASSWORD, 'P3');
    await logout(s2.token);
  });

test('a position occupied by someone else answers 409', async () => {
  const a = await loginOk(h, 'alice', PASSWORD, 'P1');
  const b = await login(h, 'bob', PASSWORD, 'P1');
  assert.equal(b.status, 409, b.text);
  assert.equal(b.json.error.code, 409);
  // alice is still logged in there
  const info = await request(h, 'GET', '/api/v1/session', undefined,
    a.token);
  assert.equal(info.status, 200);
  await logout(a.token);
  const b2 = await loginOk(h, 'bob', PASSWORD, 'P1');
  await logout(b2.token);
});

test('logging in elsewhere ends the old session', async () => {
  const first = await loginOk(h, 'alice', PASSWORD, 'P1');
  const c = await openConsole(h, first.token);
  try {
    const second = await loginOk(h, 'alice', PASSWORD, 'P2');
    const ended = await c.nextEvent('session.ended', () => true, 5000);
    assert.equal(typeof ended.reason, 'string');
    await assertTokenDead(first.token, 'old session');
    const info = await request(h, 'GET', '/api/v1/session', undefined,
      second.token);
    assert.equal(info.status, 200);
    assert.equal(info.json.position.id, 'P2');
    // P1 is free again
    const b = await loginOk(h, 'bob', PASSWORD, 'P1');
    await logout(b.token);
    await logout(second.token);
  } finally {
    await c.close();
  }
});

test('logout over WSS replies {} then closes the channel', async () => {
  const s = await loginOk(h, 'bob', PASSWORD, 'P2');
  const c = await openConsole(h, s.token);
  const r = await c.call('logout');
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual(r.result, {});
  await c.waitClosed(5000);
  await assertTokenDead(s.token, 'after WSS logout');
});

test('REST without a token or with an invalid one answers 401', async () => {
  for (const path of ['/api/v1/session', '/api/v1/positions',
    '/api/v1/resources']) {
    const none = await request(h, 'GET', path);
    assert.equal(none.status, 401, `${path} without token: ${none.text}`);
    assert.equal(none.json.error.code, 401);
    const bad = await request(h, 'GET', path, undefined,
      'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(bad.status, 401, `${path} bad token: ${bad.text}`);
    const basic = await request(h, 'GET', path, undefined, undefined,
      { headers: { Authorization: 'Basic YWxpY2U6cGFzc3dvcmQ=' } });
    assert.equal(basic.status, 401, `${path} basic auth: ${basic.text}`);
  }
  const del = await request(h, 'DELETE', '/api/v1/session');
  assert.equal(del.status, 401);
});

test('hello with an invalid token is refused with 401', async () => {
  const c = await connectWs(h);
  try {
    const r = await c.call('hello', { token: 'x'.repeat(43) });
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 401);
  } finally {
    await c.close();
  }
});
