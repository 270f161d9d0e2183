// Kamailio (Debian 12: 5.6) as the SIP anchor of bench/phone.mjs: a
// transaction-stateful UAS on loopback that answers INVITE with 200 and
// an SDP answer and BYE with 200, as iccsd's trunk does for a caller
// (without iccsd's dialogs, RTP streams, queues and audit).  The config
// is generated here; one UDP worker, like iccsd's one SIP thread.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';

export const VERSION = '5.6';
const MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules/';

function config(port) {
  const sdp = 'v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\ns=-\\r\\n' +
    'c=IN IP4 127.0.0.1\\r\\nt=0 0\\r\\nm=audio 40000 RTP/AVP 0\\r\\n';
  return `#!KAMAILIO
debug=0
log_stderror=yes
children=1
auto_aliases=no
listen=udp:127.0.0.1:${port}
mpath="${MODULES}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
request_route {
	if (is_method("INVITE")) {
		t_newtran();
		set_reply_body("${sdp}", "application/sdp");
		t_reply("200", "OK");
		exit;
	}
	if (is_method("ACK")) { exit; }
	if (is_method("BYE")) { t_newtran(); t_reply("200", "OK"); exit; }
	sl_send_reply("405", "Method Not Allowed");
}
`;
}

// utime + stime (clock ticks) of pid and every process it started
export function ticks(pid) {
  let sum = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let f;
    try {
      f = fs.readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]
        .split(' ');
    } catch { continue; }
    if (Number(d) === pid || Number(f[1]) === pid) {
      sum += Number(f[11]) + Number(f[12]);
    }
  }
  return sum;
}

// Resolves once Kamailio answers OPTIONS with 405; kill() by pid
export async function startKamailio(port) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iccs-kam-'));
  const cfg = path.join(dir, 'kamailio.cfg');
  fs.writeFileSync(cfg, config(port));
  const p = spawn('kamailio', ['-f', cfg, '-DD', '-E', '-m', '64', '-M',
    '8', '-P', path.join(dir, 'pid'), '-Y', dir],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  p.stderr.on('data', (d) => { log = (log + d).slice(-4000); });
  const kill = () => {
    try { process.kill(p.pid, 'SIGTERM'); } catch { /* gone */ }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', kill);
  const s = dgram.createSocket('udp4');
  await new Promise((res) => s.bind(0, '127.0.0.1', res));
  try {
    for (let t = 0; t < 50; t++) {
      if (p.exitCode !== null) break;
      const got = new Promise((res) => {
        s.once('message', (m) => res(m.toString()));
        setTimeout(() => res(null), 200);
      });
      const lp = s.address().port;
      s.send(`OPTIONS sip:k@127.0.0.1:${port} SIP/2.0\r\n` +
        `Via: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK-k${t}\r\n` +
        `From: <sip:b@127.0.0.1>;tag=k\r\nTo: <sip:k@127.0.0.1>\r\n` +
        `Call-ID: kam-${t}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n` +
        'Content-Length: 0\r\n\r\n', port, '127.0.0.1');
      if (await got) return { pid: p.pid, port, kill };
    }
  } finally {
    s.close();
  }
  kill();
  throw new Error(`kamailio did not start: ${log}`);
}
