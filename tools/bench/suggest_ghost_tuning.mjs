// Ghost text: how often a UI shows the first suggestion, and how often a shown one is right, as a
// function of the show threshold; tunes the threshold on held-out text.
//
// At every position of a held-out line (tools/suggest/heldout_sample.txt) where the user is
// about to type a word character (within a word or at its start, after a space included), perch
// suggests with the product settings (count 3, max words 2). The ghost is the first suggestion
// (never a `replace` one), shown when its confidence >= T; it is right when the line goes on
// with exactly its text up to a word boundary. Even lines tune T (the lowest T whose precision
// reaches SUGGEST_GHOST_PRECISION, default 0.6), odd lines report shown-rate and precision at T
// and at the model's show_threshold. Run alone (node tools/bench/suggest_ghost_tuning.mjs) or
// from suggest.bench.mjs.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { isWordChar, MODEL, perchPipe } from './suggest_typist.mjs';
import { printTable, repoRoot } from './results.mjs';

const TARGET = Number(process.env.SUGGEST_GHOST_PRECISION ?? 0.6);

function modelShowThreshold() {
  const buf = readFileSync(MODEL);
  const header = JSON.parse(buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))).toString('utf8'));
  const decoding = JSON.parse(header.__metadata__?.['perch.decoding'] ?? '{}');
  return decoding.show_threshold ?? 0.4;  // TextSuggester::Decoding's default
}

async function ghosts(lines) {
  const pipe = perchPipe(['--count', '3', '--max-words', '2']);
  const out = [];  // {confidence, right} per position (confidence 0: nothing to show)
  for (const line of lines) {
    for (let i = 0; i < line.length; i++) {
      if (!isWordChar(line[i])) continue;
      const r = await pipe.ask(line.slice(0, i));
      const g = r.suggestions.find((s) => !s.replace);
      const afterSpace = i > 0 && line[i - 1] === ' ';
      if (!g || r.suggestions[0].replace) { out.push({ confidence: 0, right: false, afterSpace }); continue; }
      const end = i + g.text.length;
      out.push({ confidence: g.confidence, right: line.startsWith(g.text, i) && !isWordChar(line[end] ?? ' '), afterSpace });
    }
  }
  pipe.close();
  return out;
}

function at(positions, t) {
  const shown = positions.filter((p) => p.confidence > 0 && p.confidence >= t);
  const right = shown.filter((p) => p.right).length;
  return { t, shownRate: shown.length / positions.length, precision: shown.length ? right / shown.length : 0, shown: shown.length };
}

export async function ghostTuning(numLines = Number(process.env.SUGGEST_GHOST_LINES ?? 80)) {
  const lines = readFileSync(resolve(repoRoot, 'tools/suggest/heldout_sample.txt'), 'utf8').split('\n').filter(Boolean).slice(0, numLines);
  const tune = await ghosts(lines.filter((_, i) => i % 2 === 0));
  const test = await ghosts(lines.filter((_, i) => i % 2 === 1));
  const sweep = [];
  for (let t = 0.05; t < 0.96; t += 0.05) sweep.push(at(tune, Math.round(t * 100) / 100));
  const tuned = sweep.find((s) => s.precision >= TARGET) ?? sweep[sweep.length - 1];
  const model = modelShowThreshold();
  const next = test.filter((p) => p.afterSpace);
  return {
    sweep, positions: test.length, nextPositions: next.length, target: TARGET,
    tuned: at(test, tuned.t), model: at(test, model), tunedNext: at(next, tuned.t), modelNext: at(next, model),
  };
}

export function printGhostTuning(g) {
  printTable(`Ghost text on held-out lines (tuning half): shown-rate and precision by show threshold`,
    ['threshold', 'shown', 'precision'], g.sweep.map((s) => [s.t.toFixed(2), (100 * s.shownRate).toFixed(1) + '%', (100 * s.precision).toFixed(1) + '%']));
  printTable(`Ghost text on the other half (${g.positions} positions where a word character comes next)`,
    ['show threshold', 'shown-rate', 'precision'], [
      [`tuned ${g.tuned.t.toFixed(2)} (precision >= ${g.target})`, (100 * g.tuned.shownRate).toFixed(1) + '%', (100 * g.tuned.precision).toFixed(1) + '%'],
      [`model's ${g.model.t}`, (100 * g.model.shownRate).toFixed(1) + '%', (100 * g.model.precision).toFixed(1) + '%'],
      [`after a space (${g.nextPositions} positions), tuned ${g.tunedNext.t}`, (100 * g.tunedNext.shownRate).toFixed(1) + '%', (100 * g.tunedNext.precision).toFixed(1) + '%'],
      [`after a space, model's ${g.modelNext.t}`, (100 * g.modelNext.shownRate).toFixed(1) + '%', (100 * g.modelNext.precision).toFixed(1) + '%'],
    ]);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) printGhostTuning(await ghostTuning());
