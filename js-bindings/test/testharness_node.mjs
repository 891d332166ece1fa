// Runs web-platform-tests' testharness.js (from the wpt-runner package) in Node's own realm, so
// that DOMException, TypeError and the polyfill's objects are the ones the assertions compare
// with. Resolves with every subtest's {name, status, message} once the harness completes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

const require = createRequire(import.meta.url);
const harnessDir = join(dirname(require.resolve('wpt-runner/package.json')), 'testharness');
const STATUS = ['PASS', 'FAIL', 'TIMEOUT', 'NOTRUN', 'PRECONDITION_FAILED'];

/** Loads testharness.js (and any of webidl2.js, idlharness.js) into the global scope. */
export function loadHarness(extra = []) {
  globalThis.self ??= globalThis;
  for (const f of ['testharness.js', ...extra]) {
    vm.runInThisContext(readFileSync(join(harnessDir, f), 'utf8'), { filename: f });
  }
  let done;
  const results = new Promise((r) => (done = r));
  globalThis.add_completion_callback((tests, status) => {
    done({
      harness: { status: status.status, message: status.message },
      tests: tests.map((t) => ({ name: t.name, status: STATUS[t.status], message: t.message })),
    });
  });
  return results;
}
