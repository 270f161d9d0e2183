// Recording (issue 8) over the Airwave (TETRA) bearer: a radio heard
// through the simulated terminal (iccs-sim tetra) is recorded as one
// transmission with its ISSI and alias, found by search, and decodes with
// ffmpeg to the 440 Hz it sent.  The bearer's stream ("tetra:<tg>") is
// recorded by the same tap as every other stream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { waitFor } from '../lib/harness.mjs';
import { toneSnr, RATE } from '../lib/rtp.mjs';
import { startTetra, TG, GSSI, tetraId } from '../lib/tetra.mjs';
import { ffdecode } from '../lib/record.mjs';

let t;

before(async () => {
  t = await startTetra();
});

after(async () => {
  if (t) await t.stop();
});

test('a TETRA radio is recorded with its identity and decodes to its tone',
  async () => {
    const r = await t.con.call('radio.monitor', { talkgroup: TG, on: true });
    assert.equal(r.ok, true, JSON.stringify(r));
    await t.floorEvent((d) => d.group === 'joined', 'group joined');
    assert.equal((await t.api('POST', '/v1/radios/2345/talk',
      { group: GSSI, seconds: 2 })).status, 200);

    let rec;
    await waitFor(async () => {
      const s = await t.con.call('recording.search',
        { talker: tetraId('2345') });
      rec = s.result?.recordings.find((x) => x.direction === 'rx');
      return !!rec;
    }, 10000, 'the TETRA transmission recorded');
    assert.equal(rec.kind, 'tetra');
    assert.equal(rec.resource, TG);
    assert.equal(rec.alias, 'Bravo One');

    const pcm = await ffdecode(path.join(t.h.dir, 'state', 'recordings',
      rec.file));
    assert.ok(pcm.length >= 1.9 * RATE, `only ${pcm.length} samples`);
    const snr = Math.max(...[0.25, 0.5, 0.75, 1, 1.25].map((s) =>
      toneSnr(pcm.subarray(s * RATE, s * RATE + 8000), 440)));
    assert.ok(snr > 12, `440 Hz at ${snr.toFixed(1)} dB SNR`);
  });
