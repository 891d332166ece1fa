// Test helpers: a counting HTTP file server and the real perch-server, both on 127.0.0.1.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(pkgDir, '..');

export function tempDir(prefix = 'perch-js-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Serves `routes` (path → Uint8Array | string | (req,res)=>void); counts requests per path. */
export async function startFileServer(routes) {
  const counts = new Map();
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const r = routes[path];
    if (r === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    if (typeof r === 'function') return r(req, res);
    const body = typeof r === 'string' ? Buffer.from(r) : Buffer.from(r.buffer, r.byteOffset, r.byteLength);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    // Two writes, so that progress sees more than one chunk.
    const half = Math.floor(body.length / 2);
    res.write(body.subarray(0, half));
    setTimeout(() => res.end(body.subarray(half)), 100);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    url: (p) => `${base}${p}`,
    count: (p) => counts.get(p) ?? 0,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(r);
      }),
  };
}

export const perchServerBinary = [process.env.PERCH_SERVER_BIN, join(repoRoot, 'build', 'native', 'perch-server')].find((p) => p && existsSync(p));

/** Starts the real perch-server on a free loopback port with the repository's models. */
export async function startPerchServer(extraArgs = []) {
  if (!perchServerBinary) throw new Error('perch-server is not built (make build-native)');
  const child = spawn(perchServerBinary, ['--models', join(repoRoot, 'models'), '--port', '0', '--host', '127.0.0.1', '--access-log', 'off', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const base = await new Promise((resolvePort, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`perch-server did not start: ${stderr}`)), 20000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePort(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`perch-server exited (${code}): ${stderr}`));
    });
  });
  return {
    base,
    stop: () =>
      new Promise((r) => {
        child.once('exit', r);
        child.kill('SIGTERM');
      }),
  };
}

/** A tiny .perch model built in JS: y = x · Wᵀ + b, with x [2, 3], W [4, 3], b [4]. */
export function tinyDenseModel(writePerch) {
  const W = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, -1, 0.5]);
  const b = new Float32Array([0.5, -1, 0, 2]);
  const graph = {
    inputs: [{ name: 'x', dtype: 'f32', shape: [2, 3] }],
    outputs: ['y'],
    nodes: [{ op: 'FullyConnected', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: {} }],
  };
  const bytes = writePerch(
    { w: { dtype: 'F32', shape: [4, 3], data: W }, b: { dtype: 'F32', shape: [4], data: b } },
    { 'perch.format': '1', 'perch.graph': JSON.stringify(graph) },
  );
  const expected = (x) => {
    const y = new Float32Array(8);
    for (let r = 0; r < 2; r++)
      for (let n = 0; n < 4; n++) {
        let s = b[n];
        for (let k = 0; k < 3; k++) s += x[r * 3 + k] * W[n * 3 + k];
        y[r * 4 + n] = s;
      }
    return y;
  };
  return { bytes, expected };
}
