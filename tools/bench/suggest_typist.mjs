// The simulated typist of the suggestion benches, over perch's native CLI: the keystroke protocol
// of tools/bench/suggest.bench.mjs (top 3, accept = 1 keystroke, exact case), shared by
// suggest_ghost_tuning.mjs and suggest_learning.mjs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

import { buildDir, repoRoot } from './results.mjs';

export const MODEL = process.env.SUGGEST_BENCH_MODEL ?? resolve(repoRoot, 'models/suggest/suggest.perch');
export const isWordChar = (c) => /[A-Za-z0-9'\u0080-\uffff]/.test(c);

/** `perch suggest` as a JSON-lines pipe: ask(text) -> {suggestions, us}. */
export function perchPipe(extraArgs = []) {
  const exe = resolve(buildDir('native'), 'perch');
  if (!existsSync(exe)) throw new Error(`${exe} is missing: run make build (or set PERCH_BENCH_BUILD_PREFIX)`);
  const proc = spawn(exe, ['suggest', '--model', MODEL, '--stats', ...extraArgs], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = [];
  createInterface({ input: proc.stdout }).on('line', (l) => waiting.shift()(JSON.parse(l)));
  return {
    ask: (text) => new Promise((res) => { waiting.push(res); proc.stdin.write(JSON.stringify({ text }) + '\n'); }),
    close: () => proc.stdin.end(),
  };
}

/** Keystroke savings of a typist who accepts a top-3 completion of the current word when right. */
export async function keystrokeSavings(pipe, lines) {
  let keystrokes = 0, chars = 0;
  for (const line of lines) {
    chars += line.length;
    let i = 0;
    while (i < line.length) {
      keystrokes++;
      if (!isWordChar(line[i])) { i++; continue; }
      let start = i, end = i;
      while (start > 0 && isWordChar(line[start - 1])) start--;
      while (end < line.length && isWordChar(line[end])) end++;
      const partial = line.slice(start, i), word = line.slice(start, end);
      const r = await pipe.ask(line.slice(0, i));
      const hit = r.suggestions.slice(0, 3).some((s) => !s.replace && partial + s.text === word);
      i = hit ? end : i + 1;
    }
  }
  return 1 - keystrokes / chars;
}
