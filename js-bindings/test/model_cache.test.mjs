// Downloading with progress, SHA-256 verification, the Node cache directory (hits, offline,
// corrupt and truncated entries evicted and re-downloaded), quota errors, cache.list/delete/clear.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { DirectoryStore, Model, ModelDownloadError, ModelIntegrityError, cache, cacheStats, env, setModelStore, writePerch } from '../dist/index.js';
import { startFileServer, tempDir, tinyDenseModel } from './helpers.mjs';

const { bytes, expected } = tinyDenseModel(writePerch);
const sha256 = createHash('sha256').update(bytes).digest('hex');
let server;
let dir;

before(async () => {
  server = await startFileServer({
    '/m.perch': bytes,
    '/m.json': JSON.stringify({ url: 'm.perch', sha256, size: bytes.length, task: '' }),
    '/bad-sha.json': JSON.stringify({ url: 'm.perch', sha256: '0'.repeat(64), size: bytes.length }),
    '/short.json': JSON.stringify({ url: 'm.perch', sha256, size: bytes.length + 10 }),
  });
});
after(() => server.close());
beforeEach(() => {
  dir = tempDir('perch-cache-');
  setModelStore(new DirectoryStore(dir));
});

async function loadAndCheck(source, opts = {}) {
  const model = await Model.load(source, { variant: 'simd', ...opts });
  const x = new Float32Array([1, 2, 3, 4, 5, 6]);
  const { y } = await model.run({ x });
  assert.deepEqual(Array.from(y.data), Array.from(expected(x)));
  await model.destroy();
}

test('download reports progress fractions ending at 1, then later loads come from the cache, offline too', async () => {
  const events = [];
  const before = server.count('/m.perch');
  await loadAndCheck(server.url('/m.json'), {
    monitor: (m) => m.addEventListener('downloadprogress', (e) => events.push([e.loaded, e.bytesLoaded, e.bytesTotal])),
  });
  assert.equal(server.count('/m.perch') - before, 1);
  assert.ok(events.length >= 3, `progress events: ${JSON.stringify(events)}`);
  assert.deepEqual(events[0], [0, 0, bytes.length]);
  assert.deepEqual(events.at(-1), [1, bytes.length, bytes.length]);
  for (let i = 1; i < events.length; i++) assert.ok(events[i][0] >= events[i - 1][0], 'fractions never go back');
  assert.ok(
    events.some(([f]) => f > 0 && f < 1),
    'an intermediate fraction was reported',
  );

  const entries = await cache.list();
  assert.equal(entries.length, 1);
  assert.equal(entries[0].url, server.url('/m.perch'));
  assert.equal(entries[0].sha256, sha256);
  assert.equal(entries[0].size, bytes.length);

  await loadAndCheck(server.url('/m.json'));
  assert.equal(server.count('/m.perch') - before, 1, 'second load is served from the cache');

  // Offline: a server that served the model once is gone; the cached copy still loads.
  const gone = await startFileServer({ '/g.perch': bytes });
  const manifest = { url: gone.url('/g.perch'), sha256, size: bytes.length };
  await loadAndCheck(manifest);
  await gone.close();
  await loadAndCheck(manifest);
  await assert.rejects(Model.load(manifest, { variant: 'simd', cache: false }), ModelDownloadError);
});

test('a corrupt cache entry is detected, evicted and re-downloaded', async () => {
  await loadAndCheck(server.url('/m.json'));
  await cache.flush(); // the entry is written after the load
  const n = server.count('/m.perch');
  const file = readdirSync(dir).find((f) => f.endsWith('.perch'));
  const data = readFileSync(join(dir, file));
  data[data.length - 1] ^= 0x55;
  writeFileSync(join(dir, file), data);
  await loadAndCheck(server.url('/m.json'));
  assert.equal(server.count('/m.perch'), n + 1, 'corrupt entry was re-downloaded');
  await loadAndCheck(server.url('/m.json'));
  assert.equal(server.count('/m.perch'), n + 1, 'the fresh entry is used again');
});

test('a truncated cache entry is detected, evicted and re-downloaded', async () => {
  await loadAndCheck(server.url('/m.json'));
  await cache.flush(); // the entry is written after the load
  const n = server.count('/m.perch');
  const file = readdirSync(dir).find((f) => f.endsWith('.perch'));
  writeFileSync(join(dir, file), readFileSync(join(dir, file)).subarray(0, 20));
  await loadAndCheck(server.url('/m.json'));
  assert.equal(server.count('/m.perch'), n + 1);
});

test('bytes that do not match the manifest are refused and never cached', async () => {
  await assert.rejects(Model.load(server.url('/bad-sha.json'), { variant: 'simd' }), (e) => e instanceof ModelIntegrityError && /SHA-256/.test(e.message));
  await assert.rejects(Model.load(server.url('/short.json'), { variant: 'simd' }), (e) => e instanceof ModelIntegrityError && /bytes/.test(e.message));
  assert.deepEqual(await cache.list(), []);
  await assert.rejects(Model.load(server.url('/missing.perch'), { variant: 'simd' }), (e) => e instanceof ModelDownloadError && /404/.test(e.message));
});

test('QuotaExceededError: the model still loads, uncached, and perch.env says why', async () => {
  class FullStore extends DirectoryStore {
    async put() {
      const e = new Error('quota');
      e.name = 'QuotaExceededError';
      throw e;
    }
  }
  setModelStore(new FullStore(dir));
  const warn = console.warn;
  const warnings = [];
  console.warn = (m) => warnings.push(String(m));
  try {
    await loadAndCheck(server.url('/m.json'));
    await cache.flush(); // the write runs after the load
  } finally {
    console.warn = warn;
  }
  assert.match(env.cacheReason, /quota/i);
  assert.ok(warnings.some((w) => /quota/i.test(w)));
  const n = server.count('/m.perch');
  await loadAndCheck(server.url('/m.json'));
  assert.equal(server.count('/m.perch'), n + 1, 'without a cache every load downloads');
  setModelStore(new DirectoryStore(dir));
  assert.equal(env.cacheReason, '');
});

test('the first load does not wait on the cache write; a failed write is a warning, not a failed load', async () => {
  let release;
  const gate = new Promise((r) => (release = r));
  const started = [];
  class SlowStore extends DirectoryStore {
    async put(url, b, sha) {
      started.push(url);
      await gate;
      return super.put(url, b, sha);
    }
  }
  setModelStore(new SlowStore(dir));
  const writes = cacheStats.writes;
  await loadAndCheck(server.url('/m.json')); // would never finish if it waited on put()
  assert.deepEqual(started, [server.url('/m.perch')]);
  assert.equal(cacheStats.writes, writes, 'the write is still running');
  release();
  await cache.flush();
  assert.equal(cacheStats.writes, writes + 1);
  assert.equal((await cache.list()).length, 1, 'and then the model is cached');
  const n = server.count('/m.perch');
  await loadAndCheck(server.url('/m.json'));
  assert.equal(server.count('/m.perch'), n, 'served from the cache');

  class BrokenStore extends DirectoryStore {
    async put() {
      throw new Error('disk on fire');
    }
  }
  setModelStore(new BrokenStore(dir));
  await cache.clear();
  const warn = console.warn;
  const warnings = [];
  console.warn = (m) => warnings.push(String(m));
  const errors = cacheStats.writeErrors;
  try {
    await loadAndCheck(server.url('/m.json'));
    await cache.flush();
  } finally {
    console.warn = warn;
  }
  assert.equal(cacheStats.writeErrors, errors + 1);
  assert.ok(
    warnings.some((w) => /could not cache .*disk on fire/.test(w)),
    JSON.stringify(warnings),
  );
  assert.equal(env.cacheReason, '', 'other errors do not turn the cache off');
});

test('cache.delete and cache.clear remove entries', async () => {
  await loadAndCheck(server.url('/m.json'));
  assert.equal((await cache.list()).length, 1);
  assert.equal(await cache.delete(server.url('/m.perch')), true);
  assert.equal(await cache.delete(server.url('/m.perch')), false);
  assert.deepEqual(await cache.list(), []);
  await loadAndCheck(server.url('/m.json'));
  await cache.clear();
  assert.deepEqual(await cache.list(), []);
  assert.deepEqual(readdirSync(dir), []);
});

test('a browser origin whose cache perch never wrote to skips the lookup; once written, loads come from the cache', async () => {
  // A store of the kind browsers have (Cache API), in memory, counting lookups; and a stand-in
  // for the page's localStorage (Node has none), where perch notes that it wrote the cache.
  class BrowserStore {
    kind = 'cache-api';
    entries = new Map();
    lookups = 0;
    async get(url) {
      this.lookups++;
      const e = this.entries.get(url);
      return e ? { bytes: e.bytes.slice(), entry: { url, size: e.bytes.length, sha256: e.sha256, storedAt: 0 } } : null;
    }
    async put(url, b, sha) {
      this.entries.set(url, { bytes: b.slice(), sha256: sha });
    }
    async delete(url) {
      return this.entries.delete(url);
    }
    async list() {
      return [...this.entries].map(([url, e]) => ({ url, size: e.bytes.length, sha256: e.sha256, storedAt: 0 }));
    }
    async clear() {
      this.entries.clear();
    }
  }
  const items = new Map();
  globalThis.localStorage = {
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => items.set(k, String(v)),
    removeItem: (k) => items.delete(k),
  };
  const store = new BrowserStore();
  setModelStore(store);
  try {
    let n = server.count('/m.perch');
    await loadAndCheck(server.url('/m.json'));
    assert.equal(store.lookups, 0, 'a cache perch never wrote to is not looked up');
    assert.equal(server.count('/m.perch'), n + 1);
    await cache.flush();
    assert.equal(store.entries.size, 1, 'the download was cached');
    assert.equal(items.size, 1, 'and the write noted');
    const hits = cacheStats.hits;
    n = server.count('/m.perch');
    await loadAndCheck(server.url('/m.json'));
    assert.equal(store.lookups, 1);
    assert.equal(cacheStats.hits, hits + 1, 'the cached copy was used');
    assert.equal(server.count('/m.perch'), n, 'no download');
    await cache.clear();
    assert.equal(items.size, 0, 'clear() removes the note');
    await loadAndCheck(server.url('/m.json'));
    assert.equal(store.lookups, 1, 'no lookup after clear()');
    assert.equal(server.count('/m.perch'), n + 1);
  } finally {
    delete globalThis.localStorage;
    setModelStore(new DirectoryStore(dir));
  }
});
