// The demo's pure helpers, in Node: the latest-input-only scheduler, the median, and the
// Prometheus parsing behind the server panel's request count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Coalescer } from '../../demo-web/src/coalescer.js';
import { median } from '../../demo-web/src/latency-meter.js';
import { countTaskRequests, parsePrometheus } from '../../demo-web/src/server-status.js';

test('Coalescer runs the first input, then only the newest one that arrived meanwhile', async () => {
  const ran = [];
  let release;
  const c = new Coalescer(async (x) => {
    ran.push(x);
    if (x === 'a') await new Promise((r) => { release = r; });
  });
  c.push('a');
  c.push('b');
  c.push('c');
  c.push('d');
  release();
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(ran, ['a', 'd']);
});

test('Coalescer keeps going after a failed call', async () => {
  const ran = [];
  const c = new Coalescer(async (x) => { ran.push(x); if (x === 1) throw new Error('boom'); });
  const quiet = console.error;
  console.error = () => {};
  try {
    c.push(1);
    await new Promise((r) => setTimeout(r, 5));
    c.push(2);
    await new Promise((r) => setTimeout(r, 5));
  } finally {
    console.error = quiet;
  }
  assert.deepEqual(ran, [1, 2]);
});

test('median', () => {
  assert.ok(Number.isNaN(median([])));
  assert.equal(median([5]), 5);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('task requests counted from Prometheus text: task routes only, every status', () => {
  const text = [
    '# HELP perch_requests_total HTTP requests answered, by route and status code.',
    '# TYPE perch_requests_total counter',
    'perch_requests_total{route="v1_text_suggest",code="200"} 7',
    'perch_requests_total{route="v1_text_suggest",code="400"} 1',
    'perch_requests_total{route="v1_language_detect",code="200"} 3',
    'perch_requests_total{route="metrics",code="200"} 40',
    'perch_requests_total{route="static",code="200"} 12',
    'perch_requests_total{route="v2_health_ready",code="200"} 2',
    'perch_request_duration_seconds_bucket{model="suggest",le="0.005"} 4',
  ].join('\n');
  assert.equal(countTaskRequests(text), 11);
  const samples = parsePrometheus(text);
  assert.equal(samples.length, 7);
  assert.deepEqual(samples[0], { name: 'perch_requests_total', labels: { route: 'v1_text_suggest', code: '200' }, value: 7 });
  assert.equal(countTaskRequests(''), 0);
  assert.equal(countTaskRequests('garbage {{{\n'), 0);
});
