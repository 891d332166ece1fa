// Placement: every branch of the decision, create() under simulated device profiles, and the
// fallbacks both ways (a failed local load goes to the server; a dead server goes local).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LanguageDetector, TextSuggester, NotSupportedError, decidePlacement } from '../dist/index.js';
import { perchServerBinary, startFileServer, startPerchServer } from './helpers.mjs';

const base = {
  mode: 'auto',
  serverUrl: 'http://127.0.0.1:1/',
  device: { simd: true, deviceMemory: 8, probeFlopsPerMs: undefined, computePressure: undefined },
  modelBytes: 2 << 20,
  flopsPerCall: 1e6,
  latencyBudgetMs: 50,
};

test('decidePlacement: each rule, with its reason', () => {
  assert.deepEqual(decidePlacement({ ...base, mode: 'local' }).where, 'local');
  assert.deepEqual(decidePlacement({ ...base, mode: 'remote' }).where, 'remote');
  let p = decidePlacement({ ...base, serverUrl: undefined, device: { ...base.device, simd: false } });
  assert.equal(p.where, 'local');
  assert.match(p.reason, /no serverUrl/);
  p = decidePlacement({ ...base, device: { ...base.device, simd: false } });
  assert.equal(p.where, 'remote');
  assert.match(p.reason, /SIMD/);
  p = decidePlacement({ ...base, device: { ...base.device, deviceMemory: 0.25 } });
  assert.equal(p.where, 'remote');
  assert.match(p.reason, /memory/);
  assert.equal(decidePlacement({ ...base, device: { ...base.device, deviceMemory: 4 } }).where, 'local');
  p = decidePlacement({ ...base, device: { ...base.device, computePressure: 'critical' } });
  assert.equal(p.where, 'remote');
  assert.match(p.reason, /Compute Pressure/);
  assert.equal(decidePlacement({ ...base, device: { ...base.device, computePressure: 'serious' } }).where, 'local');
  p = decidePlacement({ ...base, device: { ...base.device, probeFlopsPerMs: 1e3 } }); // 1000 ms per call
  assert.equal(p.where, 'remote');
  assert.match(p.reason, /1000\.0 ms per call on this device, over the 50 ms budget/);
  p = decidePlacement({ ...base, device: { ...base.device, probeFlopsPerMs: 1e6 } }); // 1 ms
  assert.equal(p.where, 'local');
  assert.match(p.reason, /1\.0 ms per call, within/);
});

test("placement 'remote' without serverUrl is a clear error", async () => {
  await assert.rejects(LanguageDetector.create({ placement: 'remote' }), (e) => e instanceof NotSupportedError && /serverUrl/.test(e.message));
  await assert.rejects(LanguageDetector.create({ placement: 'sideways' }), /'auto', 'local' or 'remote'/);
});

// The real perch-server when it is built: weak devices then also get their answers from it.
let perch;
before(async () => {
  if (perchServerBinary) perch = await startPerchServer();
});
after(() => perch?.stop());

for (const [name, device] of [
  ['no SIMD', { simd: false }],
  ['low deviceMemory', { deviceMemory: 0.25 }],
  ['compute pressure critical', { computePressure: 'critical' }],
  ['slow probe', { probeFlopsPerMs: 10 }],
]) {
  test(`auto placement on a simulated device with ${name} chooses the server and downloads nothing`, async () => {
    const files = await startFileServer({});
    try {
      const serverUrl = perch?.base ?? files.base;
      const common = {
        serverUrl,
        device,
        // A slow probe is only decisive with a model whose cost is known: the shipped one's.
        ...(name === 'slow probe' ? {} : { model: files.url('/never-fetched.perch') }),
      };
      const d = await LanguageDetector.create(common);
      const s = await TextSuggester.create(common);
      for (const task of [d, s]) {
        assert.equal(task.placement.where, 'remote', task.placement.reason);
        assert.ok(task.placement.reason.length > 10);
      }
      if (perch) {
        const langs = await d.detect('Ceci est une phrase tout à fait ordinaire, écrite en français.');
        assert.equal(langs.at(-1).detectedLanguage, 'und');
        assert.ok(langs.every((x) => typeof x.detectedLanguage === 'string' && x.confidence >= 0 && x.confidence <= 1));
        const sug = await s.suggest('Thank you very much for', { count: 2 });
        assert.ok(sug.length >= 1 && sug.length <= 2 && sug.every((x) => typeof x.text === 'string'));
        assert.equal(d.placement.where, 'remote', 'answered by the server, no fallback');
      }
      d.destroy();
      s.destroy();
      assert.equal(files.count('/never-fetched.perch'), 0);
    } finally {
      await files.close();
    }
  });
}

test('auto: a failed local load falls back to the server, and says so', async () => {
  const files = await startFileServer({});
  try {
    const d = await LanguageDetector.create({ serverUrl: files.base, device: { probeFlopsPerMs: 1e9 }, model: files.url('/missing.perch') });
    assert.equal(d.placement.where, 'remote');
    assert.match(d.placement.reason, /loading the model on this device failed/);
    assert.match(d.placement.reason, /404/);
    d.destroy();
  } finally {
    await files.close();
  }
});

test('remote calls against a dead server fall back to the local engine and fire placementchange', async () => {
  // The shipped model runs locally; the server URL points at a closed port.
  const d = await LanguageDetector.create({ serverUrl: 'http://127.0.0.1:9/', device: { simd: false }, remoteTimeoutMs: 2000 });
  assert.equal(d.placement.where, 'remote');
  const changes = [];
  d.addEventListener('placementchange', (e) => changes.push([e.previous.where, e.placement.where, e.placement.reason]));
  const out = await d.detect('This is an ordinary English sentence about the weather today.');
  assert.equal(d.placement.where, 'local');
  assert.equal(changes.length, 1);
  assert.deepEqual(changes[0].slice(0, 2), ['remote', 'local']);
  assert.match(changes[0][2], /server failed/);
  assert.equal(out[0].detectedLanguage, 'en');
  assert.equal(out.at(-1).detectedLanguage, 'und');
  d.destroy();
});

test(
  'remote placement answers through the real perch-server with the same objects as local',
  { skip: !perchServerBinary && 'perch-server is not built (make build-native)' },
  async () => {
    const text = 'Das ist ein ganz normaler deutscher Satz über das Wetter von heute.';
    const remote = await LanguageDetector.create({ placement: 'remote', serverUrl: perch.base });
    const local = await LanguageDetector.create({ placement: 'local' });
    const r = await remote.detect(text);
    const l = await local.detect(text);
    assert.equal(remote.placement.where, 'remote');
    // The same C++ on both sides: the same languages in the same order, the same confidences.
    assert.deepEqual(
      r.map((x) => x.detectedLanguage),
      l.map((x) => x.detectedLanguage),
    );
    for (let i = 0; i < r.length; i++) assert.ok(Math.abs(r[i].confidence - l[i].confidence) < 1e-4);
    const s = await TextSuggester.create({ placement: 'remote', serverUrl: perch.base });
    const sl = await TextSuggester.create({ placement: 'local' });
    let answered = 0;
    for (const prompt of ['Thank you very much for', 'I will see you', 'The meeting is', 'Thank you very']) {
      const rs = await s.suggest(prompt, { count: 2, maxWords: 2 });
      const ls = await sl.suggest(prompt, { count: 2, maxWords: 2 });
      assert.ok(rs.length <= 2);
      assert.deepEqual(
        rs.map((x) => x.text),
        ls.map((x) => x.text),
        prompt,
      );
      for (let i = 0; i < rs.length; i++) assert.ok(Math.abs(rs[i].confidence - ls[i].confidence) < 1e-4);
      answered += rs.length > 0 ? 1 : 0;
    }
    assert.ok(answered >= 1, 'at least one prompt got suggestions');
    for (const t of [remote, local, s, sl]) t.destroy();
    assert.equal(r[0].detectedLanguage, 'de');
  },
);

test(
  "remote placement over the Open Inference Protocol v2 gives the task endpoints' answers",
  { skip: !perchServerBinary && 'perch-server is not built (make build-native)' },
  async () => {
    const opts = { placement: 'remote', serverUrl: perch.base };
    const v1 = await LanguageDetector.create(opts);
    const v2 = await LanguageDetector.create({ ...opts, serverProtocol: 'v2' });
    for (const text of ['Das ist ein ganz normaler deutscher Satz.', 'Bonjour, je voudrais un café.', '12345']) {
      assert.deepEqual(await v2.detect(text), await v1.detect(text), text);
    }
    const s1 = await TextSuggester.create(opts);
    const s2 = await TextSuggester.create({ ...opts, serverProtocol: 'v2' });
    for (const prompt of ['Thank you very much for', 'I would like to']) {
      assert.deepEqual(await s2.suggest(prompt, { count: 3, maxWords: 2 }), await s1.suggest(prompt, { count: 3, maxWords: 2 }), prompt);
    }
    const wrong = await LanguageDetector.create({ ...opts, serverProtocol: 'v2', serverModel: 'nope' });
    await assert.rejects(wrong.detect('hello there'), /refused|not found|nope/i);
    await assert.rejects(LanguageDetector.create({ ...opts, serverProtocol: 'grpc' }), /serverProtocol/);
    for (const t of [v1, v2, s1, s2, wrong]) t.destroy();
  },
);

test('Compute Pressure API: critical moves an auto task to the server and back, with placementchange', async () => {
  // A simulated device whose PressureObserver reports what the test says.
  const observers = [];
  globalThis.PressureObserver = class {
    constructor(cb) {
      this.cb = cb;
      observers.push(this);
    }
    async observe() {
      setTimeout(() => this.cb([{ state: 'nominal', source: 'cpu', time: 0 }]), 1);
    }
    disconnect() {
      this.disconnected = true;
    }
  };
  const files = await startFileServer({});
  try {
    const d = await LanguageDetector.create({ serverUrl: perch?.base ?? files.base, device: { probeFlopsPerMs: 1e12 } });
    assert.equal(d.placement.where, 'local', d.placement.reason);
    const changes = [];
    d.addEventListener('placementchange', (e) => changes.push(e.placement));
    observers[0].cb([{ state: 'critical', source: 'cpu', time: 1 }]);
    assert.equal(d.placement.where, 'remote');
    assert.match(d.placement.reason, /critical/);
    observers[0].cb([{ state: 'fair', source: 'cpu', time: 2 }]);
    assert.equal(d.placement.where, 'local');
    assert.deepEqual(
      changes.map((p) => p.where),
      ['remote', 'local'],
    );
    const out = await d.detect('The weather is lovely today, so we are going for a long walk in the park.');
    assert.equal(out.at(-1).detectedLanguage, 'und');
    d.destroy();
    assert.equal(observers[0].disconnected, true, 'destroy() stops observing');
  } finally {
    delete globalThis.PressureObserver;
    await files.close();
  }
});
