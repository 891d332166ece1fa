// Where a call's time went (task.lastCallTiming), and the engine layout per task kind: in Node
// everything runs in-process (no messages, no queue); a server call says so. The worker path
// (messages, queues, lanes) is checked in Chromium (tests/browser) and measured by make bench.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LanguageDetector, NotSupportedError, TextSuggester, getEngine } from '../dist/index.js';
import { perchServerBinary, startPerchServer } from './helpers.mjs';

const FIELDS = ['engineMs', 'queuedMs', 'toWorkerMs', 'fromWorkerMs', 'totalMs'];

test('in-process calls: engine time inside the end-to-end time, no queue, no messages', async () => {
  const d = await LanguageDetector.create({ placement: 'local' });
  const s = await TextSuggester.create({ placement: 'local' });
  assert.equal(d.lastCallTiming, undefined, 'no call yet');
  await d.detect('Bonjour tout le monde, comment allez-vous ?');
  await s.suggest('Thank you very much for');
  for (const t of [d.lastCallTiming, s.lastCallTiming]) {
    assert.equal(t.where, 'local');
    for (const k of FIELDS) assert.ok(Number.isFinite(t[k]) && t[k] >= 0, `${k} = ${t[k]}`);
    assert.ok(t.engineMs > 0, 'the engine did some work');
    assert.ok(t.totalMs >= t.engineMs, `total ${t.totalMs} < engine ${t.engineMs}`);
    assert.deepEqual([t.queuedMs, t.toWorkerMs, t.fromWorkerMs], [0, 0, 0]);
  }
  // Each call has its own record: an earlier one is not changed by a later call.
  const first = d.lastCallTiming;
  await d.detect('Guten Tag');
  assert.notEqual(d.lastCallTiming, first);
  // A call that fails leaves the last finished call's record.
  await assert.rejects(s.suggest('x', { count: 0 }));
  assert.equal(s.lastCallTiming.where, 'local');
  d.destroy();
  s.destroy();
});

test('engine layout: one in-process engine in Node whatever the lane; a bad lane is a clear error', async () => {
  const a = getEngine({ variant: 'simd' });
  assert.equal(getEngine({ variant: 'simd', lane: 'elsewhere' }), a, 'lanes are worker queues: none in-process');
  assert.equal((await a).info.inWorker, false);
  assert.throws(() => getEngine({ variant: 'simd', lane: 5 }), NotSupportedError);
  const d = await LanguageDetector.create({ placement: 'local' });
  assert.deepEqual([d.engine.variant, d.engine.threads, d.engine.inWorker], ['simd', 1, false], 'the detector needs one thread');
  d.destroy();
});

let server;
before(async () => {
  if (perchServerBinary) server = await startPerchServer();
});
after(() => server?.stop());

test('a call the server answered says so', { skip: !perchServerBinary && 'perch-server is not built' }, async () => {
  const d = await LanguageDetector.create({ placement: 'remote', serverUrl: server.base });
  assert.equal((await d.detect('Bonjour tout le monde'))[0].detectedLanguage, 'fr');
  const t = d.lastCallTiming;
  assert.equal(t.where, 'remote');
  assert.equal(t.engineMs, 0);
  assert.ok(t.totalMs > 0);
  d.destroy();
});
