// 999/101 callers for the telephony tests: sipp (an independent SIP peer)
// does the signalling from a scenario in this directory, an RTP peer of
// the test (tests/lib/rtp.mjs) is the caller's voice and ear.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, makeTempDir, waitFor, freePort } from '../lib/harness.mjs';
import { rtpPeer, rtpPacket, pcmuPayload, tone, ulawDecode, FRAME }
  from '../lib/rtp.mjs';

export const SIPP_DIR = path.dirname(fileURLToPath(import.meta.url));

// The trunk section of a test config (a UDP trunk unless told)
export function trunkPatch({ port, transport = 'udp', id = 'bt-1',
  peer }) {
  return (text) => text.replace(/^queues:\n/m,
    `trunks:\n  - id: ${id}\n    transport: ${transport}\n` +
    `    listen: "127.0.0.1:${port}"\n` +
    (peer ? `    peer: "127.0.0.1:${peer}"\n` : '') + 'queues:\n')
    .replace(/^cameras:\n/m,
    `  - id: q101\n    name: "101 Non-emergency"\n` +
    `    roles: [calltaker, supervisor]\n    numbers: ["101"]\n` +
    `    priority: 0\ncameras:\n`);
}

// One caller: sipp calls `number` on the trunk; media on an RTP peer.
// scenario: 'uac-wait-bye' (until we hang up) or 'uac-hangup' (after
// holdMs), 'uac-auth' (answers a digest challenge from extra's -au/-ap).
// Returns {peer, done (sipp's result), iccsRtpPort()}.
export async function placeCall({ trunkPort, number, caller = '07700900123',
  scenario = 'uac-wait-bye', holdMs = 1000, transport = 'u1',
  timeoutMs = 60000, extra = [] }) {
  const peer = await rtpPeer();
  const dir = await makeTempDir('iccs-sipp-');
  const msgFile = path.join(dir, 'messages.log');
  const sipPort = await freePort();
  const args = ['-sf', path.join(SIPP_DIR, `${scenario}.xml`),
    '-i', '127.0.0.1', '-p', String(sipPort), '-t', transport,
    '-s', number, '-set', 'rtp_port', String(peer.port),
    '-set', 'caller', caller, '-d', String(holdMs),
    '-m', '1', '-l', '1', '-timeout', `${Math.round(timeoutMs / 1000)}s`,
    '-timeout_error', '-nostdin', '-trace_msg', '-message_file',
    msgFile, ...extra, `127.0.0.1:${trunkPort}`];
  const done = run('sipp', args, { timeoutMs: timeoutMs + 5000, cwd: dir });
  const call = { peer, done, msgFile, dir, ssrc: 0x5eed0000 + sipPort };
  // where iccsd receives the caller's RTP: the m= line of its answer
  call.iccsRtpPort = () => waitFor(() => {
    const t = fs.existsSync(msgFile) ? fs.readFileSync(msgFile, 'utf8') : '';
    const m = /SIP\/2\.0 200 OK[\s\S]*?m=audio (\d+)/.exec(t);
    return m ? Number(m[1]) : null;
  }, 10000, 'the 200 OK with the SDP answer');
  call.close = () => peer.close();
  return call;
}

// Send `ms` of a tone from the caller's RTP peer to iccsd (PCMU, 20 ms)
export async function sendTone(call, port, { hz = 1000, ms = 1500,
  dbfs = -12 } = {}) {
  const n = ms / 20;
  const start = Date.now();
  call.seq = call.seq ?? 100;
  call.ts = call.ts ?? 0;
  for (let i = 0; i < n; i++) {
    const pcm = tone(hz, dbfs, FRAME, i * FRAME);
    const buf = rtpPacket({ pt: 0, seq: call.seq++, ts: call.ts,
      ssrc: call.ssrc, payload: pcmuPayload(pcm) });
    call.ts += 160;
    await new Promise((res) => call.peer.rtp.send(buf, port, '127.0.0.1',
      res));
    const wait = start + (i + 1) * 20 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

// The caller's received audio (PCMU at 8 kHz) since packet index n0
export function heard(call, n0 = 0) {
  const pk = call.peer.packets.slice(n0).filter((p) => p.pt === 0);
  const out = new Int16Array(pk.length * 160);
  pk.forEach((p, i) => p.payload.forEach((u, j) => {
    out[i * 160 + j] = ulawDecode(u);
  }));
  return out;
}

// An outside party iccsd calls: sipp as UAS on `port` ('uas-answer':
// answers, waits for BYE; 'uas-busy': 486).  Returns {peer, done,
// iccsRtpPort()} like placeCall.
export async function farEnd({ port, scenario = 'uas-answer',
  timeoutMs = 60000 }) {
  const peer = await rtpPeer();
  const dir = await makeTempDir('iccs-sipp-');
  const msgFile = path.join(dir, 'messages.log');
  const args = ['-sf', path.join(SIPP_DIR, `${scenario}.xml`),
    '-i', '127.0.0.1', '-p', String(port), '-t', 'u1',
    // sipp refuses a variable the scenario does not use
    ...(scenario === 'uas-busy' ? [] : ['-set', 'rtp_port',
      String(peer.port)]), '-m', '1',
    '-timeout', `${Math.round(timeoutMs / 1000)}s`, '-timeout_error',
    '-nostdin', '-trace_msg', '-message_file', msgFile];
  const done = run('sipp', args, { timeoutMs: timeoutMs + 5000, cwd: dir });
  const call = { peer, done, msgFile, dir, ssrc: 0x5eed8000 + port };
  // where iccsd receives the far end's RTP: the m= line of its offer
  call.iccsRtpPort = () => waitFor(() => {
    const t = fs.existsSync(msgFile) ? fs.readFileSync(msgFile, 'utf8') : '';
    const m = /INVITE sip:[\s\S]*?m=audio (\d+)/.exec(t);
    return m ? Number(m[1]) : null;
  }, 10000, 'our INVITE with the SDP offer');
  call.close = () => peer.close();
  return call;
}
