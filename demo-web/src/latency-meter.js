// Live latency for one task: the last call and the median of the recent calls, end to end (what
// the page waited) beside the engine's own time, and a sparkline of both whose dots say where
// each call ran (this device or the server). The sparkline and medians redraw at most once per
// frame, however many calls finish in it, and reuse their SVG nodes.

const WINDOW = 60;  // recent calls kept for the median and the sparkline
const NS = 'http://www.w3.org/2000/svg';
const W = 240, H = 40, PAD = 3;

export class LatencyMeter {
  constructor(root) {
    this.last = root.querySelector('.last');
    this.p50 = root.querySelector('.p50');
    this.engine = root.querySelector('.engine');
    this.count = root.querySelector('.count');
    this.svg = root.querySelector('svg');
    this.samples = [];  // {ms, engineMs, where}
    this.total = 0;
    this.frame = 0;     // a requested animation frame, 0 when none
    this.line = null;
  }

  /**
   * @param {number} ms end to end, as the page waited for the result
   * @param {'local'|'remote'} where
   * @param {{engineMs: number, where: string}} [timing] the task's lastCallTiming: engine time
   */
  record(ms, where, timing) {
    const engineMs = where === 'local' && timing ? timing.engineMs : NaN;
    this.samples.push({ ms, engineMs, where });
    if (this.samples.length > WINDOW) this.samples.shift();
    this.total += 1;
    this.last.textContent = Number.isFinite(engineMs)
      ? `last ${formatMs(ms)} (engine ${formatMs(engineMs)})` : `last ${formatMs(ms)}`;
    this.last.dataset.where = where;
    this.count.textContent = `${this.total} call${this.total === 1 ? '' : 's'}`;
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
  }

  draw() {
    this.p50.textContent = `p50 ${formatMs(median(this.samples.map((s) => s.ms)))}`;
    const engine = this.samples.map((s) => s.engineMs).filter(Number.isFinite);
    if (this.engine) this.engine.textContent = engine.length ? `engine p50 ${formatMs(median(engine))}` : 'engine —';
    if (!this.line) {
      this.line = this.svg.appendChild(document.createElementNS(NS, 'polyline'));
      this.engineLine = this.svg.appendChild(document.createElementNS(NS, 'polyline'));
      this.engineLine.setAttribute('class', 'engine');
      this.dots = [];
    }
    const max = Math.max(1, ...this.samples.map((s) => s.ms));
    const step = (W - 2 * PAD) / Math.max(1, WINDOW - 1);
    const y = (ms) => (H - PAD - (ms / max) * (H - 2 * PAD)).toFixed(1);
    const pts = [];
    const enginePts = [];
    this.samples.forEach((s, i) => {
      const x = (PAD + i * step).toFixed(1);
      pts.push(`${x},${y(s.ms)}`);
      if (Number.isFinite(s.engineMs)) enginePts.push(`${x},${y(s.engineMs)}`);
      let c = this.dots[i];
      if (!c) {
        c = this.dots[i] = this.svg.appendChild(document.createElementNS(NS, 'circle'));
        c.setAttribute('r', '1.8');
      }
      c.setAttribute('cx', x);
      c.setAttribute('cy', y(s.ms));
      c.setAttribute('class', s.where === 'remote' ? 'remote' : 'local');
    });
    for (let i = this.samples.length; i < this.dots.length; i++) this.dots[i].remove();
    this.dots.length = this.samples.length;
    this.line.setAttribute('points', pts.join(' '));
    this.engineLine.setAttribute('points', enginePts.join(' '));
  }
}

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '—';
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`;
}
