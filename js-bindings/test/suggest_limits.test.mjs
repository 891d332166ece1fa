// The JS binding's suggestion limits are perch.h's PERCH_SUGGEST_* (one source of truth).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import * as limits from '../dist/suggest_limits.js';

test('suggest limits in JS are the PERCH_SUGGEST_* defines of perch.h', () => {
  const header = readFileSync(new URL('../../src/perch/c_api/perch.h', import.meta.url), 'utf8');
  const defines = Object.fromEntries([...header.matchAll(/#define PERCH_SUGGEST_(\w+) (-?[\d.]+)/g)].map((m) => [m[1], Number(m[2])]));
  const js = Object.fromEntries(Object.entries(limits).map(([k, v]) => [k.replace(/^SUGGEST_/, ''), v]));
  assert.ok(Object.keys(defines).length >= 6, 'perch.h defines the limits');
  for (const key of Object.keys(defines)) assert.ok(key in js, `js-bindings/src/suggest_limits.ts lacks SUGGEST_${key}`);
  assert.deepEqual(js, defines);
});
