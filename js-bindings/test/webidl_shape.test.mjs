// The polyfilled LanguageDetector against the spec's Web IDL (from @webref/idl, the IDL the W3C
// specs publish), checked by web-platform-tests' idlharness.js: interface object, prototype
// chain, operations and attributes (as prototype getters), their lengths and property
// descriptors, the class string, and a real instance's members.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { LanguageDetector, installPolyfill } from '../dist/index.js';
import { loadHarness } from './testharness_node.mjs';

const require = createRequire(import.meta.url);
const idlDir = dirname(require.resolve('@webref/idl/package.json'));
const idl = (name) => readFileSync(join(idlDir, `${name}.idl`), 'utf8');

test('LanguageDetector matches the spec IDL (idlharness.js)', async () => {
  const detector = await LanguageDetector.create();
  assert.equal(installPolyfill(), true);
  globalThis.detector = detector;
  // idlharness tests [Exposed=Window] members only in a Window: this realm stands in for one.
  globalThis.Window = class Window {};
  const results = loadHarness(['webidl2.js', 'idlharness.js']);
  const arr = new globalThis.IdlArray();
  arr.add_idls(idl('translation-api'), {
    only: [
      'LanguageDetector',
      'LanguageDetectorCreateCoreOptions',
      'LanguageDetectorCreateOptions',
      'LanguageDetectorDetectOptions',
      'LanguageDetectionResult',
    ],
  });
  arr.add_dependency_idls(idl('writing-assistance-apis'));
  arr.add_dependency_idls(idl('dom'));
  arr.add_dependency_idls(idl('html'));
  arr.add_objects({ LanguageDetector: ['detector'] });
  arr.test();
  globalThis.done();
  const { harness, tests } = await results;
  assert.equal(harness.status, 0, harness.message);
  const failed = tests.filter((t) => t.status !== 'PASS');
  assert.deepEqual(failed, [], JSON.stringify(failed, null, 1));
  assert.ok(tests.filter((t) => t.status === 'PASS').length >= 20, `${tests.length} subtests`);
  for (const name of [
    'LanguageDetector interface: existence and properties of interface object',
    'LanguageDetector interface: existence and properties of interface prototype object',
    'LanguageDetector interface: operation detect(DOMString, optional LanguageDetectorDetectOptions)',
    'LanguageDetector interface: attribute inputQuota',
    'LanguageDetector interface: attribute expectedInputLanguages',
    'LanguageDetector interface object length',
  ]) {
    assert.equal(tests.find((t) => t.name === name)?.status, 'PASS', name);
  }
  detector.destroy();
});
