// Hostile models (issue 15) in perch-server: models whose sizes wrap or explode are skipped at
// start with a clear line (the server still starts), and a run shape the memory plan did not
// cover is a 400 with a JSON error, after which the server answers on. Run on the release
// build and, when built, the ASan + UBSan one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asanServerBin, getJson, postJson, root, serverBin, startServer } from './server_process.mjs';

// The models, written with tools/perch_format.py.
const dir = mkdtempSync(join(tmpdir(), 'perch-hostile-'));
execFileSync('/usr/bin/python3', ['-c', `
import json, sys
sys.path.insert(0, ${JSON.stringify(join(root, 'tools'))})
import perch_format
def save(name, graph):
    perch_format.write_perch(${JSON.stringify(dir)} + '/' + name + '.perch', {},
                             {'perch.format': '1', 'perch.graph': json.dumps(graph)})
save('slice_attention', {'inputs': [{'name': 'x', 'dtype': 'f32', 'shape': [-1, -1], 'max_shape': [1990, 1000]}],
     'outputs': ['y'], 'nodes': [
     {'op': 'Slice', 'inputs': ['x'], 'outputs': ['s'], 'attrs': {'starts': [-1000], 'ends': [1000], 'axes': [0]}},
     {'op': 'Attention', 'inputs': ['s', 's', 's'], 'outputs': ['y'], 'attrs': {'num_heads': 1}}]})
for name, heads, width in (('kv_8gib', 1, 1024), ('heads_1025', 1025, 1025)):
    save(name, {'inputs': [{'name': 'q', 'dtype': 'f32', 'shape': [-1, width], 'max_shape': [1, width]}],
         'outputs': ['y'], 'nodes': [{'op': 'Attention', 'inputs': ['q', 'q', 'q'], 'outputs': ['y'],
         'attrs': {'num_heads': heads, 'cache': 0, 'max_context': 1 << 20}}]})
save('arena_4gib', {'inputs': [{'name': 'x', 'dtype': 'f32', 'shape': [-1, -1], 'max_shape': [32768, 32768]}],
     'outputs': ['y'], 'nodes': [{'op': 'Relu', 'inputs': ['x'], 'outputs': ['y']}]})
`]);

const servers = [];
// stderr and stdout are separate pipes: the skip lines may arrive after "listening on".
async function stderrWith(s, re) {
  for (let i = 0; i < 100 && !re.test(s.stderr()); i++) await new Promise((r) => setTimeout(r, 50));
  return s.stderr();
}
after(async () => { for (const s of servers) await s.stop(); });

const binaries = [['release', serverBin]];
if (existsSync(asanServerBin)) binaries.push(['ASan+UBSan', asanServerBin]);

for (const [label, bin] of binaries) {
  test(`${label}: hostile models are skipped or answered with clean errors, and the server stays up`, async () => {
    const s = await startServer(['--models', dir], { bin });
    servers.push(s);
    const log = await stderrWith(s, /loaded model 'slice_attention'/);
    assert.match(log, /skipped .*kv_8gib\.perch: .*KV cache 8589934592.*max_arena_bytes budget of 268435456/);
    assert.match(log, /skipped .*heads_1025\.perch: .*scratch of 4299161600 bytes/);
    assert.match(log, /skipped .*arena_4gib\.perch: .*4294967296 bytes, over the max_arena_bytes budget/);
    assert.match(log, /loaded model 'slice_attention'/);

    const infer = `${s.url}/v2/models/slice_attention/infer`;
    const body = (rows, cols, value) => ({
      inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, cols], data: new Array(rows * cols).fill(value) }],
    });
    // [1000, 10]: 1000 rows reach Attention where the plan saw 10. Twice, then a good run.
    for (let i = 0; i < 2; i++) {
      const r = await postJson(infer, body(1000, 10, 0.5));
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.code, 'OutOfRange');
      assert.match(r.body.error, /scratch/);
    }
    const ok = await postJson(infer, body(4, 3, 0.25));
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body.outputs[0].shape, [4, 3]);
    for (const v of ok.body.outputs[0].data) assert.ok(Math.abs(v - 0.25) < 1e-6);
    assert.equal((await getJson(`${s.url}/v2/health/live`)).status, 200);
    assert.equal(s.child.exitCode, null);
  });
}

test('--max-arena-bytes sets the budget; a bad value is refused at start', async () => {
  const s = await startServer(['--models', dir, '--max-arena-bytes', '65536']);
  servers.push(s);
  // slice_attention plans 80,064 bytes: over a 64 KiB budget.
  assert.match(await stderrWith(s, /slice_attention\.perch/), /skipped .*slice_attention\.perch: .*over the max_arena_bytes budget of 65536/);
  assert.equal((await getJson(`${s.url}/v2/models/slice_attention`)).status, 404);
  assert.throws(() => execFileSync(serverBin, ['--models', dir, '--port', '0', '--max-arena-bytes', '12'], { stdio: 'pipe', timeout: 10_000 }),
    (e) => e.status === 2 && /--max-arena-bytes: expected an integer in \[65536, /.test(String(e.stderr)));
});
