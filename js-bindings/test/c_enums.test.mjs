// The binding's copies of the C ABI's enums against src/perch/c_api/perch.h: every status and
// dtype the header defines, at the same value, under the name the binding derives from it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DTYPES, MAX_RANK, STATUS_NAMES } from '../dist/c_enums.js';

const header = readFileSync(new URL('../../src/perch/c_api/perch.h', import.meta.url), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');

/** NAME = value pairs of the enum body matched by `re`, in value order (gaps are an error). */
function enumValues(re, what) {
  const body = header.match(re)?.[1];
  assert.ok(body, `perch.h defines the ${what} enum`);
  const pairs = body
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = s.match(/^(PERCH_[A-Z0-9_]+)\s*=\s*(\d+)$/);
      assert.ok(m, `${what}: '${s}' has an explicit value`);
      return [m[1], Number(m[2])];
    });
  const byValue = [];
  for (const [name, value] of pairs) {
    assert.equal(byValue[value], undefined, `${what}: value ${value} is used once`);
    byValue[value] = name;
  }
  assert.equal(byValue.length, pairs.length, `${what}: values run 0…${pairs.length - 1}`);
  return byValue;
}

// PERCH_INVALID_UTF8 -> InvalidUtf8
const pascal = (c) =>
  c
    .replace(/^PERCH_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z0-9])/g, (_, __, ch) => ch.toUpperCase());

test('the status names are perch_status, value for value', () => {
  const c = enumValues(/typedef\s+enum\s+perch_status\s*\{([^}]*)\}/, 'perch_status');
  assert.ok(c.length >= 8);
  assert.deepEqual([...STATUS_NAMES], c.map(pascal));
});

test('the dtype names are the PERCH_F32… codes, value for value', () => {
  const c = enumValues(/enum\s*\{([^}]*PERCH_F32[^}]*)\}/, 'dtype');
  assert.deepEqual(
    [...DTYPES],
    c.map((n) => n.replace(/^PERCH_/, '').toLowerCase()),
  );
});

test('MAX_RANK is PERCH_MAX_RANK', () => {
  assert.equal(MAX_RANK, Number(header.match(/#define\s+PERCH_MAX_RANK\s+(\d+)/)?.[1]));
});
