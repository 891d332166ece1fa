// Starts build/native/perch-server on a free loopback port (--port 0: the server prints the port
// it got) and stops it. Shared by the server tests.
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const serverBin = process.env.PERCH_SERVER_BIN ?? join(root, 'build', 'native', 'perch-server');
// The same server built with ASan + UBSan by `make build` (the native-asan preset).
export const asanServerBin = process.env.PERCH_SERVER_ASAN_BIN ?? join(root, 'build', 'native-asan', 'perch-server');

/**
 * Writes the test models (tiny, slow and broken files) into a fresh folder; with `withShipped`
 * also copies the shipped task models (models/ * /*.perch). Returns the folder.
 */
export function makeTestModels({ withShipped = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'perch-server-models-'));
  execFileSync('/usr/bin/python3', [join(root, 'tests', 'server', 'make_test_models.py'), dir]);
  if (withShipped) {
    for (const m of Object.values(shippedTaskModels())) copyFileSync(m.path, join(dir, `${m.name}.perch`));
  }
  return dir;
}

/** The perch.task of a .perch file (read from its safetensors header), or ''. */
export function perchTask(path) {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  return header.__metadata__?.['perch.task'] ?? '';
}

/**
 * The shipped task models: { languageDetection: {name, path}, textSuggestion: {name, path} }
 * (a key is absent when models/ has no model for that task).
 */
export function shippedTaskModels() {
  const out = {};
  const modelsDir = join(root, 'models');
  if (!existsSync(modelsDir)) return out;
  for (const sub of readdirSync(modelsDir, { withFileTypes: true })) {
    if (!sub.isDirectory()) continue;
    for (const f of readdirSync(join(modelsDir, sub.name)).sort()) {
      if (!f.endsWith('.perch')) continue;
      const path = join(modelsDir, sub.name, f);
      const task = perchTask(path);
      const key = task === 'language-detection' ? 'languageDetection'
        : task === 'text-suggestion' ? 'textSuggestion' : null;
      if (key && !out[key]) out[key] = { name: f.slice(0, -'.perch'.length), path };
    }
  }
  return out;
}

/**
 * Spawns perch-server with `args` (plus --port 0 --host 127.0.0.1 unless given) and resolves once
 * it prints its address. Returns { child, url, port, stderr(), stop(signal) }.
 */
export async function startServer(args, { timeoutMs = 30_000, bin = serverBin } = {}) {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run make build-native`);
  const full = [...args];
  if (!full.includes('--port')) full.push('--port', '0');
  if (!full.includes('--host')) full.push('--host', '127.0.0.1');
  if (!full.includes('--access-log')) full.push('--access-log', 'off');
  const child = spawn(bin, full, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const port = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`perch-server did not start: ${stderr}`)), timeoutMs);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(stdout);
      if (m) { clearTimeout(timer); ok(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`perch-server exited (${code}): ${stderr}`)); });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    child,
    port,
    url,
    exited,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** POSTs JSON (an object is serialised; a string is sent as is); resolves { status, headers, body }. */
export async function postJson(url, body, headers = {}) {
  let res;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
    });
  } catch (e) {
    throw new Error(`POST ${url}: ${e.message} (${e.cause?.code ?? ''} ${e.cause?.message ?? ''})`);
  }
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, body: json };
}

export async function getJson(url, headers = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, body: json };
}

/** tiny.perch's expected output for rows of 4 numbers: relu(x W^T + b), in float64. */
export function tinyExpected(weights, rows) {
  return rows.flatMap((x) => weights.W.map((w, n) =>
    Math.max(0, w.reduce((s, wk, k) => s + wk * x[k], 0) + weights.b[n])));
}

/**
 * Sends raw bytes on a fresh TCP connection and resolves with everything the server wrote before
 * closing (or after `timeoutMs`): for requests fetch() would refuse or normalise.
 */
export async function rawRequest(port, bytes, { timeoutMs = 5_000 } = {}) {
  const { connect } = await import('node:net');
  return new Promise((ok) => {
    const chunks = [];
    const sock = connect(port, '127.0.0.1');
    const done = () => { clearTimeout(timer); sock.destroy(); ok(Buffer.concat(chunks).toString('latin1')); };
    const timer = setTimeout(done, timeoutMs);
    sock.on('data', (d) => {
      chunks.push(d);
      // One complete response (headers + Content-Length body) is enough.
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const len = /content-length: *(\d+)/i.exec(text);
      if (head >= 0 && len && text.length >= head + 4 + Number(len[1])) done();
    });
    sock.on('error', done);
    sock.on('close', done);
    sock.write(bytes);
  });
}

/** The status code of a raw HTTP response ("HTTP/1.1 404 Not Found" -> 404), or 0. */
export function rawStatus(text) {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return m ? Number(m[1]) : 0;
}
