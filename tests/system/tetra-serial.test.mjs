// The TETRA terminal on a serial line: iccsd opens a pseudo-terminal
// (termios, raw 9600 8N1) that socat joins to the simulated terminal's
// PEI, and works it as over TCP: start-up, group attach, a radio heard
// with its identity, PTT granted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../lib/harness.mjs';
import { startTetra, TG, GSSI, tetraId } from '../lib/tetra.mjs';

let t, con;

before(async () => {
  // this one's simulator reads a JSON config (the others YAML)
  t = await startTetra({ serial: true, simFormat: 'json' });
  con = t.con;
});

after(async () => {
  if (t) await t.stop();
});

test('start-up and group attach over the serial line', async () => {
  await t.ready();
  await con.call('radio.monitor', { talkgroup: TG, on: true });
  await waitFor(async () => (await t.group())?.attached, 5000,
    'group attached at the terminal');
});

test('a radio is heard with its identity and PTT is granted', async () => {
  assert.equal((await t.api('POST', '/v1/radios/2345/talk',
    { group: GSSI, seconds: 1 })).status, 200);
  const tk = await t.floorEvent((d) => d.floor.state === 'taken',
    'talker shown');
  assert.equal(tk.floor.talker, tetraId('2345'));
  con.consumeAll();
  await t.floorEvent((d) => d.floor.state === 'idle', 'idle after', 6000);
  await con.call('radio.select', { talkgroup: TG, on: true });
  await con.call('radio.ptt', { on: true });
  await t.floorEvent((d) => d.floor.state === 'granted', 'granted');
  await waitFor(async () => (await t.state()).call.talker === 'disp', 3000,
    'the network saw the dispatcher key');
  await con.call('radio.ptt', { on: false });
  await t.floorEvent((d) => d.floor.state === 'idle', 'released');
});
