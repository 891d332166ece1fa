// The packed tarball, installed offline into a fresh project, works in Node with no options:
// the wasm builds and the default models come with the package.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pkgDir, tempDir } from './helpers.mjs';

const SCRIPT = `import { LanguageDetector, TextSuggester } from 'perch';
const detector = await LanguageDetector.create();
const suggester = await TextSuggester.create();
const out = {
  detect: await detector.detect("Il fait très beau aujourd'hui, alors nous allons faire une longue promenade dans le parc."),
  suggest: await suggester.suggest('Thank you very much for', { count: 3, maxWords: 2 }),
  fromCache: detector.loadedFromCache,
};
detector.destroy();
suggester.destroy();
console.log(JSON.stringify(out));
`;

test('npm pack → npm install --offline → LanguageDetector and TextSuggester with no options', () => {
  const work = tempDir('perch-packed-');
  try {
    // dist/ was just built by pretest; pack it as is.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--loglevel=error'], { cwd: pkgDir, stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = join(
      work,
      readdirSync(work).find((f) => f.endsWith('.tgz')),
    );
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const f of [
      'index.js',
      'index.d.ts',
      'worker.js',
      'wasm/perch-simd-threads.wasm',
      'wasm/perch-simd-threads.worker.js',
      'wasm/perch-simd.wasm',
      'wasm/perch-baseline.wasm',
      'wasm/package.json',
      'models/langid.perch',
      'models/langid.json',
      'models/suggest.perch',
    ]) {
      assert.ok(listing.includes(`package/dist/${f}`), `the tarball has dist/${f}`);
    }
    assert.ok(listing.includes('package/README.md'));
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    writeFileSync(join(app, 'main.js'), SCRIPT);
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
    const out = JSON.parse(
      execFileSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8', env: { ...process.env, PERCH_CACHE_DIR: join(work, 'cache') } }),
    );
    assert.equal(out.detect[0].detectedLanguage, 'fr', JSON.stringify(out.detect.slice(0, 3)));
    assert.equal(out.detect.at(-1).detectedLanguage, 'und');
    assert.ok(out.suggest.length >= 1 && out.suggest.length <= 3, JSON.stringify(out.suggest));
    assert.equal(out.fromCache, true, 'the shipped model is read from the package, not downloaded');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
