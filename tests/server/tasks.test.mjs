// The task endpoints and the task side of v2 on the shipped models (models/): the JS API's
// JSON for one text and for a batch, parameters checked, v2 BYTES in and out agreeing with the
// task endpoint, and text limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { root, shippedTaskModels, startServer, postJson, getJson } from './server_process.mjs';

const models = shippedTaskModels();
let server;

before(async () => {
  assert.ok(models.languageDetection, 'models/ must hold a language-detection model');
  assert.ok(models.textSuggestion, 'models/ must hold a text-suggestion model');
  server = await startServer(['--models', join(root, 'models'), '--threads', '2', '--max-text-bytes', '4096',
    '--max-batch', '8']);
});
after(async () => { await server?.stop(); });

const isLanguageResult = (r) => Array.isArray(r) && r.length >= 1 && r.every((x) =>
  Object.keys(x).join() === 'detectedLanguage,confidence' && typeof x.detectedLanguage === 'string' &&
  x.confidence >= 0 && x.confidence <= 1);

test('language:detect answers the JS API result, sorted, ending with und', async () => {
  const r = await postJson(`${server.url}/v1/language:detect`,
    { text: "Il fait très beau aujourd'hui, alors nous allons faire une longue promenade.", top: 2 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('x-perch-model'), models.languageDetection.name);
  assert.ok(isLanguageResult(r.body), r.text);
  assert.equal(r.body[0].detectedLanguage, 'fr', r.text);
  assert.ok(r.body.filter((x) => x.detectedLanguage !== 'und').length <= 2);
  for (let i = 1; i < r.body.length - 1; i++) assert.ok(r.body[i - 1].confidence >= r.body[i].confidence);
  const empty = await postJson(`${server.url}/v1/language:detect`, { text: '' });
  assert.deepEqual(empty.body, [{ detectedLanguage: 'und', confidence: 1 }]);
});

test('language:detect batch equals one call per text', async () => {
  const texts = ['The weather is lovely today.', 'Das Wetter ist heute herrlich.', '12345', 'Hoy hace muy buen tiempo.'];
  const batch = await postJson(`${server.url}/v1/language:detect`, { texts, top: 3 });
  assert.equal(batch.status, 200, batch.text);
  assert.equal(batch.body.length, texts.length);
  for (let i = 0; i < texts.length; i++) {
    const one = await postJson(`${server.url}/v1/language:detect`, { text: texts[i], top: 3 });
    assert.deepEqual(batch.body[i], one.body);
  }
});

test('text:suggest answers the JS API result and honours count and maxWords', async () => {
  const r = await postJson(`${server.url}/v1/text:suggest`, { text: 'Thank you very much for', count: 3, maxWords: 2 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('x-perch-model'), models.textSuggestion.name);
  assert.ok(Array.isArray(r.body) && r.body.length >= 1 && r.body.length <= 3, r.text);
  for (const s of r.body) {
    assert.equal(Object.keys(s).join(), 'text,confidence');
    assert.ok(s.text.trim().length > 0);
    assert.ok(s.text.trim().split(/\s+/).length <= 3, s.text);  // the partial word's end + 2 words
    assert.ok(s.confidence > 0 && s.confidence <= 1);
  }
  const one = await postJson(`${server.url}/v1/text:suggest`, { text: 'Thank you very much for', count: 1, maxWords: 1 });
  assert.equal(one.body.length, 1, one.text);
  assert.equal(one.body[0].text.trim().split(/\s+/).length, 1, one.text);
  assert.equal(one.body[0].text, r.body[0].text.match(/^\s*\S+/)[0], 'the best one-word suggestion starts the best one');
  const blank = await postJson(`${server.url}/v1/text:suggest`, { text: '   ' });
  assert.deepEqual(blank.body, []);
  const batch = await postJson(`${server.url}/v1/text:suggest`, { texts: ['Thank you very much for', 'See you'], count: 3, maxWords: 2 });
  assert.equal(batch.status, 200);
  assert.deepEqual(batch.body[0], r.body);
});

test('task parameters and texts are checked: a JSON 400 names the problem', async () => {
  const cases = [
    ['/v1/language:detect', { text: 'hi', top: 0 }, /top/],
    ['/v1/language:detect', { text: 'hi', top: 'x' }, /top/],
    ['/v1/language:detect', { text: 'hi', tops: 3 }, /unknown field 'tops'/],
    ['/v1/language:detect', { text: 5 }, /string/],
    ['/v1/language:detect', {}, /exactly one of/],
    ['/v1/language:detect', { text: 'a', texts: ['b'] }, /exactly one of/],
    ['/v1/language:detect', { texts: [] }, /1 to 8 texts/],
    ['/v1/language:detect', { texts: new Array(9).fill('a') }, /1 to 8 texts/],
    ['/v1/language:detect', { text: 'a'.repeat(4097) }, /longer than 4096/],
    ['/v1/text:suggest', { text: 'hi', count: 17 }, /count/],
    ['/v1/text:suggest', { text: 'hi', count: 0 }, /count/],
    ['/v1/text:suggest', { text: 'hi', maxWords: 9 }, /maxWords/],
    ['/v1/text:suggest', { text: 'hi', maxWords: -1 }, /maxWords/],
    ['/v1/text:suggest', { text: 'hi', maxWords: 1.5 }, /maxWords/],
    ['/v1/text:suggest', { text: 'hi', model: models.languageDetection.name }, /no text-suggestion model/],
  ];
  for (const [route, body, message] of cases) {
    const r = await postJson(`${server.url}${route}`, body);
    assert.ok(r.status === 400 || r.status === 404, `${JSON.stringify(body)} -> ${r.status}`);
    assert.match(r.body.error, message, `${JSON.stringify(body)} -> ${r.text}`);
  }
  const utf8 = await postJson(`${server.url}/v1/language:detect`, Buffer.from([...Buffer.from('{"text":"a'), 0xff, ...Buffer.from('"}')]));
  assert.equal(utf8.status, 400);
  assert.equal(utf8.body.code, 'invalid_json');
});

test('v2 infer with BYTES text agrees with the task endpoints', async () => {
  const texts = ['Bonjour tout le monde', 'Good morning everyone'];
  const ld = models.languageDetection.name;
  const meta = await getJson(`${server.url}/v2/models/${ld}`);
  assert.deepEqual(meta.body.inputs, [{ name: 'text', datatype: 'BYTES', shape: [-1] }]);
  assert.deepEqual(meta.body.outputs.map((o) => o.name), ['language', 'confidence']);
  const v2 = await postJson(`${server.url}/v2/models/${ld}/infer`, {
    inputs: [{ name: 'text', datatype: 'BYTES', shape: [2], data: texts }], parameters: { top: 2 },
  });
  assert.equal(v2.status, 200, v2.text);
  const [language, confidence] = v2.body.outputs;
  assert.equal(language.datatype, 'BYTES');
  assert.equal(confidence.datatype, 'FP32');
  const k = language.shape[1];
  for (let i = 0; i < texts.length; i++) {
    const task = (await postJson(`${server.url}/v1/language:detect`, { text: texts[i], top: 2 })).body;
    for (let j = 0; j < k; j++) {
      assert.equal(language.data[i * k + j], task[j]?.detectedLanguage ?? '');
      assert.ok(Math.abs(confidence.data[i * k + j] - (task[j]?.confidence ?? 0)) < 1e-6);
    }
  }
  const ts = models.textSuggestion.name;
  const s = await postJson(`${server.url}/v2/models/${ts}/infer`, {
    inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: ['Thank you very much for'] }],
    parameters: { count: 2, maxWords: 1 },
  });
  assert.equal(s.status, 200, s.text);
  const task = (await postJson(`${server.url}/v1/text:suggest`, { text: 'Thank you very much for', count: 2, maxWords: 1 })).body;
  assert.deepEqual(s.body.outputs[0].data.filter((x) => x !== ''), task.map((x) => x.text));
  // The raw graph of a task model is there too, as NAME.graph.
  const graph = await getJson(`${server.url}/v2/models/${ld}.graph`);
  assert.equal(graph.status, 200);
  assert.ok(graph.body.inputs.every((i) => i.datatype !== 'BYTES'));
});

test('raw graph infer refuses out-of-range ids and survives empty inputs', async () => {
  const ld = models.languageDetection.name;
  const meta = (await getJson(`${server.url}/v2/models/${ld}.graph`)).body;
  const names = meta.inputs.map((i) => i.name);
  assert.deepEqual(names, ['ids', 'offsets']);
  const infer = (ids, offsets) => postJson(`${server.url}/v2/models/${ld}.graph/infer`, {
    inputs: [{ name: 'ids', datatype: 'INT32', shape: [ids.length], data: ids },
      { name: 'offsets', datatype: 'INT32', shape: [offsets.length], data: offsets }],
  });
  for (const ids of [[-1], [2 ** 31 - 1], [1, 2, 1e9]]) {
    const r = await infer(ids, [0]);
    assert.equal(r.status, 400, `${ids} -> ${r.text}`);
  }
  assert.equal((await infer([1, 2], [1])).status, 400, 'offsets must start at 0');
  const empty = await infer([], [0]);
  assert.equal(empty.status, 200, empty.text);
  assert.ok(empty.body.outputs[0].data.every((p) => Number.isFinite(p)));
  const ok = await infer([1, 2, 3], [0]);
  assert.equal(ok.status, 200);
  const sum = ok.body.outputs[0].data.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-4, `softmax sums to ${sum}`);
});
