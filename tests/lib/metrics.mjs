// Prometheus text (/metrics) parsed into samples, every line checked
import assert from 'node:assert/strict';
import { request } from './harness.mjs';

export function parseMetrics(text) {
  const types = new Map();
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = /^# TYPE (\S+) (counter|gauge|untyped|summary|histogram)$/
      .exec(line);
    if (t) {
      types.set(t[1], t[2]);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)( \d+)?$/
      .exec(line);
    assert.ok(m, `not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels = {};
    if (m[2]) {
      const pairs = /(\w+)="((?:[^"\\]|\\.)*)"/g;
      for (const kv of m[2].slice(1, -1).matchAll(pairs)) {
        labels[kv[1]] = kv[2];
      }
    }
    const value = Number(m[3]);
    assert.ok(!Number.isNaN(value), `bad value in ${line}`);
    samples.push({ name: m[1], labels, value });
  }
  const get = (name, labels = {}) => samples.filter((s) => s.name === name &&
    Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return { types, samples, get };
}

// Scrape h's /metrics: {text, types, samples, get(name, labels)}
export async function scrape(h) {
  const r = await request(h, 'GET', '/metrics');
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers['content-type'], /^text\/plain/);
  return { text: r.text, ...parseMetrics(r.text) };
}

// The value of one sample (labels must pick one), or undefined
export const value = (m, name, labels) => m.get(name, labels)[0]?.value;
