// The demo end to end, as a person would use it: Debian's headless Chromium (driven by
// playwright-core) on the demo page served by the real perch-server on a free loopback port.
// Each step saves a screenshot to build/test-output/demo/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// PERCH_SERVER_BIN: another perch-server build (e.g. a developer's own build folder).
const serverBin = resolve(process.env.PERCH_SERVER_BIN ?? join(root, 'build', 'native', 'perch-server'));
const outDir = join(root, 'build', 'test-output', 'demo');
const site = join(outDir, 'site');
const STEP_MS = 60_000;

let server;    // the perch-server child process
let baseUrl;
let context;
let page;
let userDataDir;
const pageErrors = [];

/** Starts perch-server on a port the kernel picks (--port 0); it prints the URL it listens on. */
async function startServer() {
  const child = spawn(serverBin, ['--models', join(root, 'models'), '--static', site,
    '--port', '0', '--host', '127.0.0.1', '--access-log', 'off'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`perch-server did not start: ${output}`)); }, 30_000);
    const onData = (d) => {
      output += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) { clearTimeout(timer); ok(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`perch-server exited (${code}): ${output}`)); });
  });
  // Ready means every model is loaded.
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`${url}/v2/health/ready`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`perch-server never got ready: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url };
}

async function stopServer() {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** perch-server's answered requests on its text-suggestion route, from /metrics. */
async function suggestRequestsServed() {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^perch_requests_total\{([^}]*)\}\s+(\d+)/gm)) {
    if (/route="[^"]*suggest[^"]*"/.test(m[1]) && /code="200"/.test(m[1])) n += Number(m[2]);
  }
  return n;
}

async function shot(name) {
  await page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });
}

/** A test that leaves a screenshot of the page as it was when it failed. */
function step(name, body) {
  test(name, async () => {
    try {
      await body();
    } catch (err) {
      await page?.screenshot({ path: join(outDir, `FAILED-${name.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true }).catch(() => {});
      throw err;
    }
  });
}

const compose = () => page.locator('#compose');
const ghost = () => page.locator('[data-testid="ghost"]');
const badge = () => page.locator('[data-testid="language-main"]');

async function typeFresh(text) {
  await compose().fill('');
  await compose().focus();
  await page.keyboard.type(text, { delay: 15 });
}

async function waitForGhostFor(text) {
  // A ghost shown for exactly this text (the mirror repeats the typed text before it).
  await page.waitForFunction((t) => {
    const ghostEl = document.querySelector('[data-testid="ghost"]');
    return document.querySelector('#compose').value === t &&
      document.querySelector('.mirror-text').textContent === t && ghostEl.textContent.length > 0;
  }, text, { timeout: STEP_MS });
  return ghost().textContent();
}

before(async () => {
  assert.ok(existsSync(serverBin), `${serverBin} is missing: run make build-native first`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  execFileSync('node', [join(root, 'demo-web', 'build.mjs')], {
    env: { ...process.env, PERCH_DEMO_OUT: site }, stdio: 'inherit',
  });
  ({ child: server, url: baseUrl } = await startServer());
  userDataDir = mkdtempSync(join(tmpdir(), 'perch-demo-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    // The Compute Pressure API is switched off: on a shared, busy 2-core machine it reports
    // 'critical' and placement rightly moves the tasks to the server, which would make every
    // "runs on this device" step depend on the load. Its branch is tested in js-bindings.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-blink-features=ComputePressure'],
    viewport: { width: 1200, height: 900 },
  });
  page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(STEP_MS);
});

after(async () => {
  await context?.close();
  await stopServer();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

step('first visit downloads the models, runs on this device with threads, and is cross-origin isolated', async () => {
  await page.goto(`${baseUrl}/`);
  await page.waitForSelector('body[data-ready="normal"]');
  assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'perch-server must send COOP/COEP');
  for (const task of ['suggest', 'langid']) {
    const status = page.locator(`[data-testid="download-${task}"]`);
    assert.match(await status.textContent(), /^downloaded/, `${task} model downloaded on first visit`);
    assert.equal(await page.locator(`tr[data-task="${task}"] .where`).textContent(), 'This device');
  }
  // The package loads simd-threads when it uses more than one thread (its default is
  // min(4, ceil(cores / 2))), else simd; either way threads must be available here.
  assert.match(await page.locator('#env-build').textContent(), /^simd(-threads)?$/);
  assert.equal(await page.locator('#env-threads').getAttribute('data-available'), 'true');
  await shot('01-first-visit');
});

step('typing "The President of the United Sta" shows a sure suggestion, and Tab accepts it', async () => {
  const typed = 'The President of the United Sta';
  await typeFresh(typed);
  const suggestion = await waitForGhostFor(typed);
  assert.ok(suggestion.trim().length > 0, 'a non-empty suggestion');
  await shot('02-suggestion');
  await page.keyboard.press('Tab');
  assert.equal(await compose().inputValue(), `${typed}${suggestion} `, 'Tab appends the suggestion and a space');
  assert.ok(await compose().evaluate((el) => el === document.activeElement), 'focus stays in the box');
  // Each call was measured, on this device.
  assert.match(await page.locator('[data-testid="latency-suggest"] .count').textContent(), /^\d+ calls?$/);
  assert.equal(await page.locator('[data-testid="latency-suggest"] .last').getAttribute('data-where'), 'local');
  await shot('03-accepted');
});

step('Esc dismisses the suggestion', async () => {
  const typed = 'Thank you for your hel';
  await typeFresh(typed);
  await waitForGhostFor(typed);
  await page.keyboard.press('Escape');
  assert.equal(await ghost().textContent(), '');
  assert.equal(await compose().inputValue(), typed, 'Esc leaves the text alone');
});

step('a weak guess is listed, not shown as ghost text', async () => {
  // After "to " the next word is anyone's guess: alternatives, but no ghost below showThreshold.
  const typed = 'I would like to ';
  await typeFresh(typed);
  await page.waitForFunction((t) => document.querySelector('.mirror-text').textContent === t &&
    document.querySelectorAll('.alternatives button').length === 3, typed);
  assert.equal(await ghost().textContent(), '');
});

step('→ at the end accepts the suggestion as well', async () => {
  const typed = 'Thank you for your hel';
  await typeFresh(typed);
  const suggestion = await waitForGhostFor(typed);
  await page.keyboard.press('ArrowRight');
  assert.equal(await compose().inputValue(), `${typed}${suggestion} `);
});

step('the page fits a phone-sized screen without sideways scrolling', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await typeFresh('The President of the United Sta');
    await waitForGhostFor('The President of the United Sta');
    const { scrollWidth, innerWidth } = await page.evaluate(() =>
      ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
    assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px viewport`);
    await shot('04-phone');
  } finally {
    await page.setViewportSize({ width: 1200, height: 900 });
  }
});

step('a French sentence makes the badge say French', async () => {
  await typeFresh('Bonjour, je voudrais réserver une table pour deux personnes ce soir.');
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="language-main"]').textContent.startsWith('French'));
  const top = await page.locator('[data-testid="language-top"] li').allTextContents();
  assert.ok(top.length >= 1 && top.length <= 3, `top languages shown: ${top}`);
  assert.match(top[0], /^French \d+%$/);
  await shot('05-french');
});

step('the weak-device switch moves the suggestion to the server, visibly', async () => {
  const before = await suggestRequestsServed();
  // Keyboard only: reach the switch and flip it with Space.
  await page.locator('#weak-device').focus();
  await page.keyboard.press('Space');
  assert.equal(await page.locator('#weak-device').getAttribute('aria-checked'), 'true');
  await page.waitForSelector('body[data-ready="weak"]');
  assert.equal(await page.locator('tr[data-task="suggest"] .where').textContent(), 'Server');
  const why = await page.locator('tr[data-task="suggest"] .why').textContent();
  assert.ok(why.length > 0, 'placement says why');
  const typed = 'The President of the United Sta';
  await typeFresh(typed);
  await waitForGhostFor(typed);
  assert.equal(await page.locator('[data-testid="latency-suggest"] .last').getAttribute('data-where'), 'remote');
  const afterCount = await suggestRequestsServed();
  assert.ok(afterCount > before, `server suggest requests grew: ${before} -> ${afterCount}`);
  // The page's own server panel counts the task requests from /metrics too.
  await page.waitForFunction(() => /^reachable, [1-9]\d* task requests? served$/.test(
    document.querySelector('#env-server').textContent));
  await shot('06-weak-device-server');
  await page.locator('#weak-device').focus();
  await page.keyboard.press('Space');
  await page.waitForSelector('body[data-ready="normal"]');
  assert.equal(await page.locator('tr[data-task="suggest"] .where').textContent(), 'This device');
});

step('a reload loads the models from the cache', async () => {
  await page.reload();
  await page.waitForSelector('body[data-ready="normal"]');
  for (const task of ['suggest', 'langid']) {
    assert.equal(await page.locator(`[data-testid="download-${task}"]`).textContent(), 'loaded from cache');
  }
  await shot('07-from-cache');
});

step('with the server stopped, inference still works on this device, and the page says the server is gone', async () => {
  await stopServer();
  await page.waitForFunction(() => document.querySelector('#connection').dataset.state === 'down');
  assert.match(await page.locator('#env-server').textContent(), /gone/);
  const typed = 'The President of the United Sta';
  const detectCalls = await page.locator('[data-testid="latency-langid"] .count').textContent();
  await typeFresh(typed);
  await waitForGhostFor(typed);
  // Language detection ran again too, on this device.
  await page.waitForFunction((before) =>
    document.querySelector('[data-testid="latency-langid"] .count').textContent !== before, detectCalls);
  assert.equal(await page.locator('[data-testid="latency-suggest"] .last').getAttribute('data-where'), 'local');
  assert.equal(await page.locator('[data-testid="latency-langid"] .last').getAttribute('data-where'), 'local');
  await shot('08-server-stopped');

  // And offline after the first visit: a reload with no server comes from the service worker.
  await page.reload();
  await page.waitForSelector('body[data-ready="normal"]');
  assert.equal(await page.locator('[data-testid="download-suggest"]').textContent(), 'loaded from cache');
  await typeFresh(typed);
  await waitForGhostFor(typed);
  await shot('09-offline-reload');
  assert.deepEqual(pageErrors, [], 'no uncaught errors on the page');
});
