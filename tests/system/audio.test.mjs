// The audio path end to end: RTP from a gateway peer into a talkgroup,
// through the jitter buffer, decoder and a position's mixer, out on the
// console's audio channel; and the console's microphone, with PTT, out as
// RTP to the peer.  Loss, reordering, jitter and an SSRC change included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startIccs, loginOk, openConsole, request, waitFor, RES, PASSWORD,
} from '../lib/harness.mjs';
import {
  AudioClient, udpPair, freeRtpPort, rtpPacket, rtpParse, pcmuPayload,
  ulawDecode, tone, dominant, goertzel, rms, toneSnr, FRAME, writeWav,
  gatewayPatch,
} from '../lib/rtp.mjs';

const TG = RES.talkgroup;
let h, peer, iccsPort, disp, con, audio, ct, sup, wavDir;

before(async () => {
  peer = await udpPair();
  iccsPort = await freeRtpPort();
  wavDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iccs-wav-'));
  fs.chmodSync(wavDir, 0o755);
  // 8 kHz: the engine resamples it to 16 kHz
  writeWav(path.join(wavDir, 'check-1200.wav'), { hz: 1200, ms: 1500 });
  h = await startIccs({ configPatch: gatewayPatch({ local: iccsPort,
    remote: peer.port, wavDir }) });
  await h.addOperator('dora', ['dispatcher']);
  await h.addOperator('carl', ['calltaker']);
  await h.addOperator('sven', ['supervisor']);
  disp = await loginOk(h, 'dora', PASSWORD, 'P1');
  con = await openConsole(h, disp.token);
  audio = await AudioClient.connect(h, disp.token);
  ct = await loginOk(h, 'carl', PASSWORD, 'P2');
  sup = await openConsole(h, (await loginOk(h, 'sven', PASSWORD, 'P3'))
    .token);
});

after(async () => {
  if (audio) await audio.close();
  if (con) await con.close();
  if (sup) await sup.close();
  if (wavDir) fs.rmSync(wavDir, { recursive: true, force: true });
  peer?.rtp.close();
  peer?.rtcp.close();
  if (h) assert.equal(await h.stop(), 0, h.logs());
});

// Send `ms` of a tone as 20 ms PCMU packets on the media clock of the
// peer, with loss, swapped pairs and jitter chosen by the caller.
async function sendTone({ hz, ms, ssrc, seq0 = 1000, ts0 = 0, loss = () =>
  false, swap = () => false, jitter = () => 0 }) {
  const n = ms / 20;
  const pkts = [];
  for (let i = 0; i < n; i++) {
    const pcm = tone(hz, -12, FRAME, i * FRAME);
    pkts.push({ i, at: i * 20 + jitter(i), buf: rtpPacket({ pt: 0,
      seq: seq0 + i, ts: ts0 + i * 160, ssrc, payload: pcmuPayload(pcm) }) });
  }
  for (let i = 0; i + 1 < n; i++) {
    if (swap(i)) {
      const a = pkts[i].at;
      pkts[i].at = pkts[i + 1].at;
      pkts[i + 1].at = a;
    }
  }
  const start = Date.now();
  const sends = pkts.filter((p) => !loss(p.i)).sort((a, b) => a.at - b.at)
    .map((p) => new Promise((res) => {
      setTimeout(() => peer.rtp.send(p.buf, iccsPort, '127.0.0.1', res),
        Math.max(0, start + p.at - Date.now()));
    }));
  await Promise.all(sends);
}

function framesSince(n) {
  return audio.frames.slice(n);
}

function channel(frames, ch) {
  const out = new Int16Array(frames.length * FRAME);
  frames.forEach((f, i) => out.set(f[ch], i * FRAME));
  return out;
}

test('the audio channel says its format and sends a frame every 20 ms',
  async () => {
    assert.deepEqual(audio.format, { rate: 16000, channels: 2,
      frame_ms: 20, order: ['headset', 'speaker'] });
    const n0 = audio.frames.length;
    await waitFor(() => audio.frames.length >= n0 + 10, 3000,
      '10 audio frames');
    const seqs = audio.frames.slice(n0).map((f) => f.seq);
    for (let i = 1; i < seqs.length; i++) {
      assert.equal(seqs[i], seqs[i - 1] + 1, 'frame sequence numbers');
    }
  });

test('a monitored talkgroup plays on the speaker, through loss, ' +
  'reordering and jitter', async () => {
  const r = await con.call('radio.monitor', { talkgroup: TG, on: true });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.result.channel, 'speaker');
  const n0 = audio.frames.length;
  await sendTone({ hz: 1000, ms: 2000, ssrc: 0x1234,
    loss: (i) => i % 20 === 7,               // 5 % loss
    swap: (i) => i % 10 === 3,               // a reordered pair every 200 ms
    jitter: (i) => ((i * 7919) % 31) - 15 }); // +-15 ms
  await waitFor(() => audio.frames.length >= n0 + 110, 5000, 'frames');
  const fr = framesSince(n0);
  const sp = channel(fr, 'speaker');
  const hs = channel(fr, 'headset');
  // the middle second: past the jitter buffer's fill, before the end
  const mid = sp.subarray(16000 * 0.5, 16000 * 1.5);
  assert.equal(dominant(mid), 1000, 'the tone on the speaker');
  assert.ok(rms(mid) > 1500, `speaker level ${rms(mid)}`);
  assert.ok(toneSnr(mid, 1000) > 12, `SNR ${toneSnr(mid, 1000)} dB`);
  assert.ok(rms(hs) < 50, `headset should be silent: ${rms(hs)}`);
});

test('a selected talkgroup plays in the headset, and survives an SSRC ' +
  'change', async () => {
  const r = await con.call('radio.select', { talkgroup: TG, on: true });
  assert.equal(r.result.channel, 'headset');
  const n0 = audio.frames.length;
  await sendTone({ hz: 700, ms: 1000, ssrc: 0x1234, seq0: 5000,
    ts0: 800000 });
  await sendTone({ hz: 1300, ms: 1000, ssrc: 0x9999, seq0: 17,
    ts0: 123456 });
  await waitFor(() => audio.frames.length >= n0 + 110, 5000, 'frames');
  const hs = channel(framesSince(n0), 'headset');
  const sp = channel(framesSince(n0), 'speaker');
  assert.equal(dominant(hs.subarray(8000, 8000 + 8000)), 700);
  assert.equal(dominant(hs.subarray(16000 * 1.5, 16000 * 1.5 + 8000)),
    1300, 'the new SSRC is heard');
  assert.ok(rms(sp) < 50, `speaker should be silent: ${rms(sp)}`);
});

test('muting the headset silences it; the volume scales the talkgroup',
  async () => {
    const level = async (ms = 600) => {
      const n0 = audio.frames.length;
      await sendTone({ hz: 800, ms, ssrc: 0x5151, seq0: 40000 + n0,
        ts0: 20000000 + n0 * 160 });
      await waitFor(() => audio.frames.length >= n0 + ms / 20 + 5, 4000,
        'frames');
      const hs = channel(framesSince(n0), 'headset');
      return rms(hs.subarray(hs.length / 3, (2 * hs.length) / 3));
    };
    const full = await level();
    assert.ok(full > 1500, `selected talkgroup level ${full}`);
    let r = await con.call('audio.mute', { channel: 'headset', on: true });
    assert.equal(r.result.mute.headset, true);
    assert.ok(await level() < 50, 'a muted headset is silent');
    r = await con.call('audio.mute', { channel: 'headset', on: false });
    assert.equal(r.result.mute.headset, false);
    r = await con.call('audio.volume', { resource: TG, volume: 50 });
    assert.equal(r.result.volume, 50);
    const half = await level();
    // gain follows the square of the volume: 50 against 80 is 0.39x
    assert.ok(half < full / 2 && half > full / 4,
      `volume 50: ${half} against ${full} at 80`);
    await con.call('audio.volume', { resource: TG, volume: 80 });
  });

test('PTT sends the console microphone to the talkgroup as RTP',
  async () => {
    const got = [];
    const onMsg = (b) => { const p = rtpParse(b); if (p) got.push(p); };
    peer.rtp.on('message', onMsg);
    const r = await con.call('radio.ptt', { on: true });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.deepEqual(r.result.talkgroups, [TG]);
    for (let i = 0; i < 50; i++) {
      audio.sendMic(tone(500, -12, FRAME, i * FRAME));
      await new Promise((res) => setTimeout(res, 20));
    }
    await waitFor(() => got.length >= 30, 3000, 'RTP at the peer');
    const off = await con.call('radio.ptt', { on: false });
    assert.equal(off.ok, true);
    const pcm = [];
    for (const p of got.slice(5)) {
      assert.equal(p.pt, 0);
      for (const u of p.payload) pcm.push(ulawDecode(u));
    }
    const x = Int16Array.from(pcm);
    assert.equal(dominant(x, 8000), 500, 'the mic tone at the peer');
    assert.ok(goertzel(x, 500, 8000) > 100 * goertzel(x, 1000, 8000));
    // released: the stream stops.  The console's own frames are the
    // clock: 25 of them (500 ms of media time) with the mic still sending
    const n = got.length, f0 = audio.frames.length;
    while (audio.frames.length < f0 + 25) {
      audio.sendMic(tone(500, -12, FRAME));
      await waitFor(() => audio.frames.length > f0, 1000, 'a frame');
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.ok(got.length - n <= 3, `RTP after release: ${got.length - n}`);
    peer.rtp.off('message', onMsg);
  });

test('a call taker may not press to talk or monitor radio', async () => {
  const c = await openConsole(h, ct.token);
  try {
    const p = await c.call('radio.ptt', { on: true });
    assert.equal(p.error.code, 403);
    const m = await c.call('radio.monitor', { talkgroup: TG, on: true });
    assert.equal(m.error.code, 403);
  } finally {
    await c.close();
  }
});

test('RTP and RTCP statistics of the stream are in /metrics', async () => {
  let text = '';
  await waitFor(async () => {
    text = (await request(h, 'GET', '/metrics')).text;
    return /iccs_stream_received\{stream="tg-lambeth-ops"\} [1-9]/
      .test(text);
  }, 4000, 'stream statistics in /metrics');
  // the lossy run above left its mark on the jitter buffer's counters
  const num = (name) => Number(new RegExp(`iccs_stream_${name}` +
    '\\{stream="tg-lambeth-ops"\\} ([0-9.]+)').exec(text)?.[1]);
  assert.ok(num('lost') >= 1, `lost ${num('lost')}`);
  assert.ok(num('reordered') >= 1, `reordered ${num('reordered')}`);
  for (const f of ['jitter_ms', 'depth_ms', 'rtcp_jitter_ms', 'rtcp_rtt_ms',
    'rtcp_lost']) {
    assert.ok(Number.isFinite(num(f)), `iccs_stream_${f} missing`);
  }
});

test('a supervisor plays a sound file into a talkgroup; the dispatcher ' +
  'who selected it hears it in the headset', async () => {
  const n0 = audio.frames.length;
  const r = await sup.call('audio.play', { target: TG,
    wav: 'check-1200.wav' });
  assert.equal(r.ok, true, JSON.stringify(r));
  await waitFor(() => audio.frames.length >= n0 + 60, 4000, 'frames');
  await waitFor(() => {
    const hs = channel(framesSince(n0), 'headset');
    return hs.length >= 16000 && dominant(hs.subarray(-8000)) === 1200;
  }, 4000, 'the 1200 Hz file in the headset');
});

test('a tone played straight to a position is in its headset only',
  async () => {
    await con.call('radio.select', { talkgroup: TG, on: false });
    await con.call('radio.monitor', { talkgroup: TG, on: false });
    // frames mixed before the routing changed can arrive after the reply
    // (another channel): start from a quiet position
    await waitFor(() => {
      const fr = framesSince(audio.frames.length - 5);
      return fr.length === 5 && rms(channel(fr, 'speaker')) < 50 &&
        rms(channel(fr, 'headset')) < 50;
    }, 4000, 'P1 quiet once its talkgroup is off');
    const n0 = audio.frames.length;
    const r = await sup.call('audio.play', { target: 'position:P1',
      tone_hz: 900, duration_ms: 1000 });
    assert.equal(r.ok, true, JSON.stringify(r));
    await waitFor(() => {
      const fr = framesSince(n0);
      return fr.length > 30 &&
        dominant(channel(fr, 'headset').subarray(-6400)) === 900;
    }, 4000, 'the 900 Hz tone in the headset of P1');
    assert.ok(rms(channel(framesSince(n0), 'speaker')) < 50);
  });

test('audio.sounds lists the playable files, to supervisors only',
  async () => {
    fs.writeFileSync(path.join(wavDir, '.hidden.wav'), 'x');
    fs.writeFileSync(path.join(wavDir, 'notes.txt'), 'x');
    const r = await sup.call('audio.sounds', {});
    assert.deepEqual(r.result.sounds, ['check-1200.wav']);
    assert.equal((await con.call('audio.sounds', {})).error.code, 403);
  });

test('audio.play refuses what it must not play', async () => {
  const cases = [
    [{ target: TG, wav: '../etc/passwd' }, 400],
    [{ target: TG, wav: 'missing.wav' }, 404],
    [{ target: TG }, 400],
    [{ target: TG, tone_hz: 1000, wav: 'check-1200.wav' }, 400],
    [{ target: 'no-such-tg', tone_hz: 1000 }, 404],
    [{ target: 'position:P9', tone_hz: 1000 }, 404],
  ];
  for (const [params, code] of cases) {
    const r = await sup.call('audio.play', params);
    assert.equal(r.ok, false, JSON.stringify(params));
    assert.equal(r.error.code, code, `${JSON.stringify(params)}: ` +
      JSON.stringify(r.error));
  }
  const d = await con.call('audio.play', { target: TG, tone_hz: 1000 });
  assert.equal(d.error.code, 403, 'a dispatcher may not play test sounds');
});

test('audio carries on after the console reconnects its audio channel, ' +
  'with the routing it had', async () => {
  await con.call('radio.select', { talkgroup: TG, on: true });
  await audio.close();
  audio = await AudioClient.connect(h, disp.token);
  const st = await con.call('audio.state', {});
  const entry = st.result.talkgroups.find((t) => t.id === TG);
  assert.equal(entry.channel, 'headset');
  const n0 = audio.frames.length;
  await sendTone({ hz: 1100, ms: 800, ssrc: 0x4242, seq0: 30000,
    ts0: 9000000 });
  await waitFor(() => {
    const hs = channel(framesSince(n0), 'headset');
    return hs.length > 8000 && dominant(hs.subarray(-6400)) === 1100;
  }, 4000, 'the tone after the reconnect');
});

test('microphone frames without PTT are dropped and counted', async () => {
  const before = await request(h, 'GET', '/metrics');
  const count = (t) => Number(/iccs_audio_mic_dropped_total (\d+)/
    .exec(t)[1]);
  for (let i = 0; i < 5; i++) audio.sendMic(tone(500, -12, FRAME));
  await waitFor(async () => {
    const r = await request(h, 'GET', '/metrics');
    return count(r.text) >= count(before.text) + 5;
  }, 3000, 'the dropped mic frames counted');
});

test('the next operator at a position starts from a quiet position',
  async () => {
    await con.call('radio.select', { talkgroup: TG, on: true });
    const out = await request(h, 'DELETE', '/api/v1/session', undefined,
      disp.token);
    assert.equal(out.status, 200);
    disp = await loginOk(h, 'dora', PASSWORD, 'P1');
    await con.close();
    con = await openConsole(h, disp.token);
    const st = await con.call('audio.state', {});
    for (const t of st.result.talkgroups) {
      assert.equal(t.channel, 'off', JSON.stringify(t));
    }
    assert.equal(st.result.ptt, false);
  });
