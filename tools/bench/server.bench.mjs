// perch-server under load on loopback: wrk (Debian) POSTs language detection and suggestion
// requests at concurrency 1, 8 and 64 for a fixed time each. Reports requests/s, p50/p99 latency
// and errors per case, and the server's RSS after warm-up and after all runs (must stay within
// 10%). Fails (exit 1) on any error or on memory growth beyond 10%.
//
// perch-server: build/native (make build), or PERCH_BENCH_BUILD_PREFIX=build/me-.
// PERCH_BENCH_SERVER_SECONDS sets the duration of each run (default 5).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { appendResults, buildDir, printTable, repoRoot } from './results.mjs';

const BENCH = 'server';
const SECONDS = Number(process.env.PERCH_BENCH_SERVER_SECONDS ?? 5);
const CONCURRENCY = [1, 8, 64];
const THREADS = 2;  // inference slots: the machine's cores
const here = resolve(fileURLToPath(import.meta.url), '..');

const TEXTS = [
  'The weather is lovely today, so we are going for a long walk in the park.',
  "Il fait très beau aujourd'hui, alors nous allons faire une longue promenade.",
  'Das Wetter ist heute herrlich, also machen wir einen langen Spaziergang.',
  'Hoy hace muy buen tiempo, así que vamos a dar un largo paseo por el parque.',
  'Oggi il tempo è bellissimo, quindi faremo una lunga passeggiata.',
  'Сегодня прекрасная погода, поэтому мы пойдём на прогулку.',
];
const PREFIXES = ['Thank you very much for', 'See you tomor', 'I will get back to you as soon as',
  'The weather is lovely today, so we', 'Could you please send me the', 'Let me know if'];
const CASES = [
  { name: 'language-detection', route: '/v1/language:detect', bodies: TEXTS.map((text) => ({ text, top: 3 })) },
  { name: 'text-suggestion', route: '/v1/text:suggest', bodies: PREFIXES.map((text) => ({ text, count: 3, maxWords: 2 })) },
];

function rssKiB(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

async function startServer(bin) {
  const child = spawn(bin, ['--models', join(repoRoot, 'models'), '--port', '0', '--host', '127.0.0.1',
    '--threads', String(THREADS), '--queue', '64', '--http-threads', '72', '--access-log', 'off'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const port = await new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) ok(Number(m[1]));
    });
    child.once('exit', (code) => fail(new Error(`perch-server exited (${code}): ${stderr}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

function wrk(url, c, seconds, bodiesFile) {
  const out = execFileSync('wrk', ['-t', String(Math.min(c, 2)), '-c', String(c), '-d', `${seconds}s`,
    '--timeout', '10s', '-s', join(here, 'server_load.lua'), url],
  { env: { ...process.env, PERCH_BENCH_BODIES: bodiesFile }, encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.startsWith('PERCH_WRK '));
  if (!line) throw new Error(`wrk printed no summary:\n${out}`);
  return JSON.parse(line.slice('PERCH_WRK '.length));
}

// Sequential requests from Node (one keep-alive connection), timed one by one: a second
// measurement of the c=1 latency next to wrk's, whose latency samples at c=1 do not add up on an
// overloaded machine (see the note column).
async function sequentialLatency(url, bodies, seconds) {
  const lat = [];
  const end = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const t = performance.now();
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[i % bodies.length] });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${url} -> ${r.status}`);
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { rps: lat.length / seconds, mean: lat.reduce((a, b) => a + b, 0) / lat.length, p50: q(0.5), p99: q(0.99) };
}

async function main() {
  const bin = join(buildDir('native'), 'perch-server');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run make build (or set PERCH_BENCH_BUILD_PREFIX)`);
  if (!existsSync('/usr/bin/wrk')) throw new Error('wrk is missing: run tools/setup.sh (Debian package wrk)');
  const dir = mkdtempSync(join(tmpdir(), 'perch-server-bench-'));
  const server = await startServer(bin);
  const files = {};
  for (const c of CASES) {
    files[c.name] = join(dir, `${c.name}.jsonl`);
    writeFileSync(files[c.name], c.bodies.map((b) => JSON.stringify(b)).join('\n') + '\n');
    // Every body must be answered correctly before it is timed.
    for (const body of c.bodies) {
      const r = await fetch(`${server.url}${c.route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (r.status !== 200 || !Array.isArray(await r.json())) throw new Error(`${c.route} ${JSON.stringify(body)} -> ${r.status}`);
    }
  }
  // Warm-up: every case at every concurrency, so pools, handler threads and allocator arenas
  // reach their working size before memory is measured.
  for (const c of CASES) {
    for (const conc of CONCURRENCY) wrk(`${server.url}${c.route}`, conc, 1, files[c.name]);
    await sequentialLatency(`${server.url}${c.route}`, c.bodies.map((b) => JSON.stringify(b)), 1);
  }
  const rssWarm = rssKiB(server.child.pid);

  const rows = [];
  const records = [];
  let failed = false;
  for (const c of CASES) {
    for (const conc of CONCURRENCY) {
      const r = wrk(`${server.url}${c.route}`, conc, SECONDS, files[c.name]);
      const errors = r.connect + r.read + r.write + r.status + r.timeout;
      const rps = r.requests / (r.duration_us / 1e6);
      failed ||= errors > 0;
      // Little's law check: connections x duration must cover requests x mean latency. On an
      // overloaded machine wrk's latency samples can exceed it (seen at c=1): flag such rows.
      const busy = (r.requests * r.mean_us) / (conc * r.duration_us);
      const flag = busy > 1.2 ? ` (latencies inconsistent: ${busy.toFixed(1)}x)` : '';
      rows.push([c.name, conc, rps.toFixed(0), (r.mean_us / 1000).toFixed(2), (r.p50_us / 1000).toFixed(2),
        (r.p99_us / 1000).toFixed(2), errors, flag]);
      const base = { bench: BENCH, case: `${c.name} c=${conc}`, engine: 'perch-server', threads: THREADS };
      records.push({ ...base, metric: 'requests_per_s', value: rps }, { ...base, metric: 'p50_ms', value: r.p50_us / 1000 },
        { ...base, metric: 'p99_ms', value: r.p99_us / 1000 }, { ...base, metric: 'errors', value: errors });
    }
  }
  for (const c of CASES) {
    const s = await sequentialLatency(`${server.url}${c.route}`, c.bodies.map((b) => JSON.stringify(b)), SECONDS);
    rows.push([`${c.name} (node fetch)`, 1, s.rps.toFixed(0), s.mean.toFixed(2), s.p50.toFixed(2), s.p99.toFixed(2), 0, '']);
    const base = { bench: BENCH, case: `${c.name} c=1`, engine: 'perch-server (node sequential client)', threads: THREADS };
    records.push({ ...base, metric: 'requests_per_s', value: s.rps }, { ...base, metric: 'p50_ms', value: s.p50 },
      { ...base, metric: 'p99_ms', value: s.p99 });
  }
  const rssAfter = rssKiB(server.child.pid);
  const growth = (rssAfter - rssWarm) / rssWarm;
  failed ||= growth > 0.10;
  records.push({ bench: BENCH, case: 'memory', engine: 'perch-server', threads: THREADS, metric: 'rss_after_warmup_kib', value: rssWarm },
    { bench: BENCH, case: 'memory', engine: 'perch-server', threads: THREADS, metric: 'rss_after_runs_kib', value: rssAfter },
    { bench: BENCH, case: 'memory', engine: 'perch-server', threads: THREADS, metric: 'rss_growth', value: growth });

  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;

  printTable(`perch-server on loopback (wrk, ${SECONDS} s per run, ${THREADS} inference threads, ${CASES[0].bodies.length} bodies in rotation)`,
    ['task', 'concurrency', 'requests/s', 'mean ms', 'p50 ms', 'p99 ms', 'errors', 'note'], rows);
  console.log(`load average during the runs: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log(`RSS after warm-up ${(rssWarm / 1024).toFixed(1)} MiB, after all runs ${(rssAfter / 1024).toFixed(1)} MiB ` +
    `(${(growth * 100).toFixed(1)}%, limit 10%)`);
  appendResults(records);
  if (failed) {
    console.error('server bench: FAILED (errors under load or memory growth above 10%)');
    process.exit(1);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
