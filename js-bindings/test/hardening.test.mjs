// Issue 15 from JS: hostile models end in clean EngineErrors in the wasm builds (32-bit size_t),
// downloads are capped and timed, remote manifests cannot name local files, unverified models
// are listed in perch.env, and a server answering something other than JSON falls back to local.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError, InvalidInputError, LanguageDetector, Model, ModelDownloadError, RemoteError, downloadLimits, env, writePerch } from '../dist/index.js';
import { startFileServer, tinyDenseModel } from './helpers.mjs';

const graphModel = (graph) => writePerch({}, { 'perch.format': '1', 'perch.graph': JSON.stringify(graph) });

// Case 1: a Slice with negative starts gives Attention 1000 rows from a [1000, 10] input where
// the plan (at the max shape [1990, 1000]) saw 10.
const sliceAttention = graphModel({
  inputs: [{ name: 'x', dtype: 'f32', shape: [-1, -1], max_shape: [1990, 1000] }],
  outputs: ['y'],
  nodes: [
    { op: 'Slice', inputs: ['x'], outputs: ['s'], attrs: { starts: [-1000], ends: [1000], axes: [0] } },
    { op: 'Attention', inputs: ['s', 's', 's'], outputs: ['y'], attrs: { num_heads: 1 } },
  ],
});
const cachedAttention = (heads, width) =>
  graphModel({
    inputs: [{ name: 'q', dtype: 'f32', shape: [-1, width], max_shape: [1, width] }],
    outputs: ['y'],
    nodes: [{ op: 'Attention', inputs: ['q', 'q', 'q'], outputs: ['y'], attrs: { num_heads: heads, cache: 0, max_context: 1 << 20 } }],
  });

for (const variant of ['baseline', 'simd']) {
  test(`hostile models end in clean errors in the ${variant} build`, async () => {
    const m = await Model.load(sliceAttention, { variant });
    await assert.rejects(
      m.run({ x: { data: new Float32Array(1000 * 10).fill(0.5), shape: [1000, 10] } }),
      (e) => e instanceof EngineError && e.code === 'OutOfRange' && /scratch/.test(e.message),
    );
    // Shapes within the plan run: equal rows attend to equal values, so y == x.
    const x = new Float32Array([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    const { y } = await m.run({ x: { data: x, shape: [4, 3] } });
    assert.deepEqual(y.shape, [4, 3]);
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(y.data[i] - x[i]) < 1e-5);
    await m.destroy();
    // Case 2: sizes that wrap in 32-bit arithmetic (8 GiB of KV cache -> 0; 1025 heads of
    // scores -> 4 MiB) are counted in 64 bits and refused by the session budget.
    await assert.rejects(
      Model.load(cachedAttention(1, 1024), { variant }),
      (e) => e instanceof EngineError && e.code === 'OutOfMemory' && /KV cache 8589934592/.test(e.message),
    );
    await assert.rejects(
      Model.load(cachedAttention(1025, 1025), { variant }),
      (e) => e instanceof EngineError && e.code === 'OutOfMemory' && /4299161600/.test(e.message),
    );
    // Case 4: a 4 GiB arena is refused before anything is allocated.
    const huge = graphModel({
      inputs: [{ name: 'x', dtype: 'f32', shape: [-1, -1], max_shape: [32768, 32768] }],
      outputs: ['y'],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
    });
    await assert.rejects(Model.load(huge, { variant }), (e) => e instanceof EngineError && e.code === 'OutOfMemory' && /max_arena_bytes/.test(e.message));
  });
}

test('model downloads are capped by the manifest size, else by downloadLimits', async () => {
  const { bytes } = tinyDenseModel(writePerch);
  const files = await startFileServer({
    '/m.perch': bytes,
    '/small.json': JSON.stringify({ url: 'm.perch', size: 100 }),
    // No Content-Length: the cap must stop the stream itself.
    '/endless.perch': (req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const timer = setInterval(() => res.write(Buffer.alloc(4096)), 1);
      res.on('close', () => clearInterval(timer));
    },
    '/stalled.perch': (req, res) => {
      res.writeHead(200);
      res.write(Buffer.alloc(10));
    },
  });
  const saved = { ...downloadLimits };
  try {
    await assert.rejects(
      Model.load(files.url('/small.json'), { variant: 'simd', cache: false }),
      (e) => e instanceof ModelDownloadError && /larger than the 100 bytes/.test(e.message),
    );
    downloadLimits.maxModelBytes = 64 * 1024;
    await assert.rejects(
      Model.load(files.url('/endless.perch'), { variant: 'simd', cache: false }),
      (e) => e instanceof ModelDownloadError && /larger than the 65536 bytes/.test(e.message),
    );
    // A declared Content-Length over the cap fails before the body is read.
    downloadLimits.maxModelBytes = 100;
    await assert.rejects(
      Model.load(files.url('/m.perch'), { variant: 'simd', cache: false }),
      (e) => e instanceof ModelDownloadError && new RegExp(`\\(${bytes.length} bytes\\)`).test(e.message),
    );
    downloadLimits.maxModelBytes = saved.maxModelBytes;
    downloadLimits.modelTimeoutMs = 300;
    await assert.rejects(
      Model.load(files.url('/stalled.perch'), { variant: 'simd', cache: false }),
      (e) => e instanceof ModelDownloadError && /longer than 300 ms/.test(e.message),
    );
  } finally {
    Object.assign(downloadLimits, saved);
    await files.close();
  }
});

test('a manifest served over HTTP may not name a file: URL', async () => {
  const files = await startFileServer({
    '/evil.json': JSON.stringify({ url: 'file:///etc/passwd' }),
  });
  try {
    await assert.rejects(
      Model.load(files.url('/evil.json'), { variant: 'simd', cache: false }),
      (e) => e instanceof InvalidInputError && /may only name http: or https: URLs/.test(e.message),
    );
  } finally {
    await files.close();
  }
});

test('models loaded without a SHA-256 are listed in perch.env.unverifiedModels', async () => {
  const { bytes } = tinyDenseModel(writePerch);
  const { createHash } = await import('node:crypto');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const files = await startFileServer({
    '/plain.perch': bytes,
    '/checked.perch': bytes,
    '/checked.json': JSON.stringify({ url: 'checked.perch', sha256, size: bytes.length }),
  });
  try {
    const a = await Model.load(files.url('/plain.perch'), { variant: 'simd', cache: false });
    const b = await Model.load(files.url('/checked.json'), { variant: 'simd', cache: false });
    assert.ok(env.unverifiedModels.includes(files.url('/plain.perch')));
    assert.ok(!env.unverifiedModels.includes(files.url('/checked.perch')));
    await a.destroy();
    await b.destroy();
  } finally {
    await files.close();
  }
});

test('a server answering HTML instead of JSON is a RemoteError, and auto placement runs locally', async () => {
  const html = (status) => (req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');
  };
  for (const status of [200, 404, 502]) {
    const files = await startFileServer({ '/v1/language:detect': html(status) });
    try {
      const remote = await LanguageDetector.create({ placement: 'remote', serverUrl: files.base });
      await assert.rejects(
        remote.detect('hello there, how are you today?'),
        (e) => e instanceof RemoteError && e.status === status && e.unusable && /not JSON/.test(e.message),
      );
      remote.destroy();
      const d = await LanguageDetector.create({ serverUrl: files.base, device: { simd: false } });
      assert.equal(d.placement.where, 'remote');
      const out = await d.detect('This is an ordinary English sentence about the weather today.');
      assert.equal(d.placement.where, 'local');
      assert.equal(out[0].detectedLanguage, 'en');
      d.destroy();
    } finally {
      await files.close();
    }
  }
});
