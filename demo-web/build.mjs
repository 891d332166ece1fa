// Builds the demo into build/demo-web/: the page, its bundled code (app.js), the perch package's
// dist/ unbundled under perch/ (wasm builds, worker and default models next to its code, where it
// looks for them), and a service worker that precaches all of it.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const out = resolve(process.env.PERCH_DEMO_OUT ?? join(root, 'build', 'demo-web'));
const pkg = join(root, 'js-bindings');
// PERCH_DEMO_PACKAGE_DIST: use a package dist/ built elsewhere (e.g. an unpacked npm tarball).
const pkgDist = resolve(process.env.PERCH_DEMO_PACKAGE_DIST ?? join(pkg, 'dist'));

if (!process.env.PERCH_DEMO_PACKAGE_DIST) {
  // Always rebuild the package, so the demo serves the current wasm builds and models.
  if (!existsSync(join(pkg, 'package.json'))) {
    console.error('demo-web: js-bindings/ (the perch package) is missing; it is needed to build the demo.');
    process.exit(1);
  }
  console.log('demo-web: building the perch package (js-bindings)');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: pkg, stdio: 'inherit' });
}
if (!existsSync(join(pkgDist, 'index.js'))) {
  console.error(`demo-web: ${pkgDist} has no index.js: the perch package did not build.`);
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(here, 'src', 'main.js')],
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  external: ['perch'],
  minify: true,
  sourcemap: true,
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
cpSync(join(here, 'index.html'), join(out, 'index.html'));
cpSync(join(here, 'style.css'), join(out, 'style.css'));
cpSync(pkgDist, join(out, 'perch'), { recursive: true });

// The service worker precaches every file but the models (the package caches those itself).
const files = listFiles(out).filter((f) => !f.endsWith('.perch') && !f.endsWith('.map') && !f.endsWith('.d.ts'));
const hash = createHash('sha256');
for (const f of files) hash.update(f).update(readFileSync(join(out, f)));
const precache = ['./', ...files.map((f) => `./${f}`)];
const sw = readFileSync(join(here, 'sw.js'), 'utf8')
  .replace('__PERCH_DEMO_VERSION__', hash.digest('hex').slice(0, 16))
  .replace('__PERCH_DEMO_FILES__', JSON.stringify(precache));
writeFileSync(join(out, 'sw.js'), sw);
console.log(`demo-web: built ${files.length + 1} files into ${relative(process.cwd(), out) || '.'}`);

function listFiles(dir, base = dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p, base) : [relative(base, p).split('\\').join('/')];
  });
}
