// Hostile and heavy SIP on a trunk: every malformed or unwanted request
// gets a correct SIP error (or, unparseable, nothing) and disturbs no
// call; a sipp flood of 999 calls loses none.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import path from 'node:path';
import {
  startIccs, loginOk, openConsole, waitFor, freePort, run, makeTempDir,
  PASSWORD,
} from '../lib/harness.mjs';
import { rtpPeer } from '../lib/rtp.mjs';
import { trunkPatch, placeCall, SIPP_DIR } from '../sipp/sipp.mjs';

let h, trunkPort, sock, con;

before(async () => {
  trunkPort = await freePort();
  h = await startIccs({ configPatch: trunkPatch({ port: trunkPort }) });
  await h.addOperator('cara', ['calltaker']);
  con = await openConsole(h, (await loginOk(h, 'cara', PASSWORD, 'P1'))
    .token);
  sock = dgram.createSocket('udp4');
  await new Promise((res) => sock.bind(0, '127.0.0.1', res));
});

after(async () => {
  sock?.close();
  if (con) await con.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

let seq = 0;

function request({ method = 'INVITE', user = '999', body = '', ctype =
  'application/sdp', extra = '' } = {}) {
  const n = ++seq;
  const port = sock.address().port;
  return `${method} sip:${user}@127.0.0.1:${trunkPort} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-hostile-${n}\r\n` +
    `From: <sip:attacker@127.0.0.1:${port}>;tag=h${n}\r\n` +
    `To: <sip:${user}@127.0.0.1:${trunkPort}>\r\n` +
    `Call-ID: hostile-${n}@127.0.0.1\r\nCSeq: 1 ${method}\r\n` +
    `Contact: <sip:attacker@127.0.0.1:${port}>\r\nMax-Forwards: 70\r\n` +
    extra + (body ? `Content-Type: ${ctype}\r\n` : '') +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const sdp = (m) => 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n' +
  `c=IN IP4 127.0.0.1\r\nt=0 0\r\n${m}\r\n`;

// Send one datagram; the final status code of the answer, or null
function exchange(text, timeoutMs = 1500, from = sock) {
  return new Promise((resolve) => {
    const onMsg = (b) => {
      const m = /^SIP\/2\.0 (\d{3})/.exec(b.toString());
      if (m && Number(m[1]) >= 200) done(Number(m[1]));
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    function done(v) {
      clearTimeout(timer);
      from.off('message', onMsg);
      resolve(v);
    }
    from.on('message', onMsg);
    from.send(Buffer.from(text), trunkPort, '127.0.0.1');
  });
}

test('hostile and unwanted requests get the right SIP errors', async () => {
  const cases = [
    ['OPTIONS keep-alive', request({ method: 'OPTIONS' }), 200],
    ['MESSAGE', request({ method: 'MESSAGE', body: 'hi',
      ctype: 'text/plain' }), 405],
    ['REGISTER', request({ method: 'REGISTER' }), 405],
    ['unknown number', request({ user: '12345', body:
      sdp('m=audio 4000 RTP/AVP 0') }), 404],
    ['no SDP offer', request(), 488],
    ['not SDP', request({ body: 'hello', ctype: 'text/plain' }), 415],
    ['no common codec', request({ body:
      sdp('m=audio 4000 RTP/AVP 18') }), 488],
    ['SRTP on a plain trunk', request({ body:
      sdp('m=audio 4000 RTP/SAVP 0') }), 488],
    ['garbage SDP', request({ body: 'v=0\r\nm=audio x\r\n\0\0\xff' }), 488],
    ['BYE outside a dialog', request({ method: 'BYE' }), 481],
  ];
  for (const [what, text, want] of cases) {
    assert.equal(await exchange(text), want, what);
  }
});

test('unparseable datagrams are dropped without an answer, and the ' +
  'trunk still takes calls', async () => {
  const junk = [
    Buffer.alloc(0), Buffer.from('\r\n\r\n'), Buffer.from('INVITE\r\n\r\n'),
    Buffer.from('SIP/2.0 200 OK\r\n\r\n'),
    Buffer.from('INVITE sip:999@x SIP/2.0\r\nContent-Length: 99999\r\n\r\n'),
    Buffer.from(Array.from({ length: 1400 }, (_, i) => (i * 37) & 0xff)),
    Buffer.from('INVITE sip:999@127.0.0.1 SIP/2.0\r\n' +
      'Via: SIP/2.0/UDP ;;;;\r\nCSeq: x\r\n\r\n'),
  ];
  // a socket of its own: the errors above are retransmitted until ACKed
  const own = dgram.createSocket('udp4');
  await new Promise((res) => own.bind(0, '127.0.0.1', res));
  for (const j of junk) {
    assert.equal(await exchange(j, 300, own), null,
      `no answer to ${JSON.stringify(j.toString().slice(0, 60))}`);
  }
  own.close();
  const r = await con.call('call.ready', { on: true });
  assert.equal(r.ok, true);
  const call = await placeCall({ trunkPort, number: '999' });
  try {
    const off = await con.nextEvent('call.update',
      (d) => d.state === 'ringing', 10000);
    assert.equal((await con.call('call.answer', { call: off.id })).ok, true);
    assert.equal((await con.call('call.hangup', { call: off.id })).ok,
      true);
    assert.equal((await call.done).code, 0);
  } finally {
    await call.close();
    await con.call('call.ready', { on: false });
  }
});

test('a sipp flood of 999 calls: every call is queued and its end ' +
  'recorded, none lost', async () => {
  const N = 200;
  const peer = await rtpPeer();
  const dir = await makeTempDir('iccs-flood-');
  try {
    const res = await run('sipp', ['-sf', path.join(SIPP_DIR,
      'uac-hangup.xml'), '-i', '127.0.0.1', '-p', String(await freePort()),
    '-t', 'u1', '-s', '999', '-set', 'rtp_port', String(peer.port),
    '-set', 'caller', '07700900999', '-d', '300', '-m', String(N),
    '-r', '50', '-l', String(N), '-timeout', '60s', '-timeout_error',
    '-nostdin', `127.0.0.1:${trunkPort}`], { timeoutMs: 70000, cwd: dir });
    assert.equal(res.code, 0, `sipp: every call successful\n${res.stdout}`);
    const audit = await waitFor(async () => {
      const a = await h.auditExport();
      const ends = a.filter((e) => e.action === 'call.end' &&
        e.detail?.caller === '07700900999');
      return ends.length >= N ? a : null;
    }, 15000, `${N} call ends in the audit trail`);
    const arrived = audit.filter((e) => e.action === 'call.arrive' &&
      e.detail?.caller === '07700900999');
    const ends = audit.filter((e) => e.action === 'call.end' &&
      e.detail?.caller === '07700900999');
    assert.equal(arrived.length, N, 'every call arrived');
    assert.equal(ends.length, N, 'every call ended once');
    assert.ok(ends.every((e) => e.result === 'abandoned'),
      'each ended by its caller');
  } finally {
    await peer.close();
  }
});

test('trunk config: checked whole, unsupported options refused with the ' +
  'line', async () => {
  const { makeIccsDir, runIccsd } = await import('../lib/harness.mjs');
  const cases = [
    [{ transport: 'sctp' }, /trunks\[0\]\.transport/],
    [{ transport: 'tls' }, /tls needs a cert/],
    [{ extra: '    srtp: maybe\n' }, /trunks\[0\]\.srtp/],
    [{ extra: '    credentials: /etc/passwd\n' },
      /trunks\[0\]\.credentials: .*\/etc\/passwd/],
  ];
  for (const [o, re] of cases) {
    const d = await makeIccsDir({ configPatch: (t) => trunkPatch({
      port: 5999, transport: o.transport ?? 'udp' })(t).replace(
      /(    listen: "127\.0\.0\.1:5999"\n)/, `$1${o.extra ?? ''}`) });
    const r = await runIccsd(['-c', d.configPath, '--check']);
    assert.equal(r.code, 2, `${JSON.stringify(o)}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /iccsd\.yaml:\d+: /);
    assert.match(r.stderr, re);
  }
});

// A call over a stream trunk (TCP or TLS) from node: INVITE, ACK, BYE
async function streamCall(transport) {
  const tls = await import('node:tls');
  const net = await import('node:net');
  const port = await freePort();
  const h2 = await startIccs({ configPatch: (t) => trunkPatch({ port,
    transport })(t).replace(/(    listen: "127\.0\.0\.1:\d+"\n)/,
    transport === 'tls' ? '$1    cert: server.pem\n' : '$1') });
  try {
    await h2.addOperator('sue', ['supervisor']);
    const sup = await openConsole(h2, (await loginOk(h2, 'sue', PASSWORD,
      'P3')).token);
    const sockT = transport === 'tls' ? tls.connect({ host: '127.0.0.1',
      port, ca: h2.ca, minVersion: 'TLSv1.2' }) :
      net.connect({ host: '127.0.0.1', port });
    await new Promise((res, rej) => {
      sockT.once(transport === 'tls' ? 'secureConnect' : 'connect', res);
      sockT.once('error', rej);
    });
    const T = transport.toUpperCase();
    let buf = '';
    sockT.on('data', (d) => { buf += d.toString(); });
    const lp = sockT.localPort;
    const hdr = (method, cseq, extra = '') =>
      `${method} sip:999@127.0.0.1:${port};transport=${transport} ` +
      `SIP/2.0\r\nVia: SIP/2.0/${T} 127.0.0.1:${lp};branch=z9hG4bK-s-` +
      `${cseq}\r\n` +
      `From: <sip:07700900777@127.0.0.1>;tag=tls1\r\n` +
      `To: <sip:999@127.0.0.1>${extra}\r\nCall-ID: tls-call-1\r\n` +
      `CSeq: ${cseq} ${method}\r\nContact: <sip:c@127.0.0.1:${lp};` +
      `transport=${transport}>\r\nMax-Forwards: 70\r\n`;
    const body = sdp('m=audio 4000 RTP/AVP 0');
    sockT.write(hdr('INVITE', 1) + 'Content-Type: application/sdp\r\n' +
      `Content-Length: ${body.length}\r\n\r\n${body}`);
    await waitFor(() => /SIP\/2\.0 200 OK/.test(buf), 5000, '200 OK');
    const toTag = /\r\nTo: [^\r]*;tag=([^;\r\s]+)/i.exec(buf)[1];
    assert.match(buf, /m=audio \d+ RTP\/AVP 0/);
    const q = await sup.nextEvent('call.update',
      (d) => d.caller === '07700900777' && d.state === 'queued', 5000);
    assert.equal(q.trunk, 'bt-1');
    sockT.write(hdr('ACK', 1, `;tag=${toTag}`) + 'Content-Length: 0\r\n\r\n');
    buf = '';
    sockT.write(hdr('BYE', 2, `;tag=${toTag}`) + 'Content-Length: 0\r\n\r\n');
    await waitFor(() => /SIP\/2\.0 200 OK[\s\S]*CSeq: 2 BYE/.test(buf), 5000,
      '200 OK to BYE');
    await sup.nextEvent('call.update', (d) => d.id === q.id &&
      d.state === 'ended', 5000);
    sockT.destroy();
    await sup.close();
  } finally {
    assert.equal(await h2.stop(), 0, h2.logs());
  }
}

test('a TLS trunk takes a 999 call (TLS 1.2+, certificate checked by the ' +
  'caller) and the caller\'s BYE ends it', () => streamCall('tls'));

test('a TCP trunk takes a 999 call and the caller\'s BYE ends it',
  () => streamCall('tcp'));
