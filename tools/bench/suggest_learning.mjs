// Learning from the user: keystroke savings on one author's later text after the suggester has
// learnt from that author's earlier text (perch suggest --learn FILE), against no learning.
//
// The author: the libpng manual of Debian's libpng16-16 package (/usr/share/doc/libpng16-16/
// libpng-manual.txt.gz; SUGGEST_LEARN_TEXT overrides, a plain or .gz text). Its prose lines
// (20..200 characters, mostly letters) are split: the first 70% are learnt, SUGGEST_LEARN_LINES
// (default 60) lines from the rest are typed by the typist of suggest_typist.mjs (top 3, max
// words 0, threshold 0: the keystroke protocol of suggest.bench.mjs).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

import { keystrokeSavings, perchPipe } from './suggest_typist.mjs';
import { printTable, repoRoot } from './results.mjs';

const SOURCE = process.env.SUGGEST_LEARN_TEXT ?? '/usr/share/doc/libpng16-16/libpng-manual.txt.gz';

export async function learningGain(numLines = Number(process.env.SUGGEST_LEARN_LINES ?? 60)) {
  if (!existsSync(SOURCE)) return { skipped: `${SOURCE} is missing` };
  const raw = readFileSync(SOURCE);
  const text = (SOURCE.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const prose = text.split('\n').map((l) => l.trim().replace(/\s+/g, ' '))
    .filter((l) => l.length >= 20 && l.length <= 200 && (l.match(/[A-Za-z ]/g) ?? []).length > 0.85 * l.length);
  const cut = Math.floor(prose.length * 0.7);
  const dir = resolve(repoRoot, 'build/bench');
  mkdirSync(dir, { recursive: true });
  const learnFile = resolve(dir, 'suggest_learn_earlier.txt');
  writeFileSync(learnFile, prose.slice(0, cut).join('\n') + '\n');
  const later = prose.slice(cut, cut + numLines);
  const args = ['--count', '3', '--max-words', '0', '--threshold', '0'];
  const rows = [];
  for (const learn of [false, true]) {
    const pipe = perchPipe(learn ? [...args, '--learn', learnFile] : args);
    rows.push({ learn, ksr: await keystrokeSavings(pipe, later) });
    pipe.close();
  }
  return { source: SOURCE, learntLines: cut, typedLines: later.length, none: rows[0].ksr, learnt: rows[1].ksr };
}

export function printLearningGain(g) {
  if (g.skipped) { console.log(`\nLearning from the user: skipped (${g.skipped})`); return; }
  printTable(`Learning from the user: ${g.typedLines} later lines of ${g.source}, after learning its first ${g.learntLines} prose lines`,
    ['suggester', 'keystroke savings'], [
      ['no learning', (100 * g.none).toFixed(2) + '%'],
      ['learnt from the earlier text', (100 * g.learnt).toFixed(2) + '%'],
    ]);
  console.log(`learning gain: ${(100 * (g.learnt - g.none)).toFixed(2)} points of keystroke savings`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) printLearningGain(await learningGain());
