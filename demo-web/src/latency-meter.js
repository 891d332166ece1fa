// Live latency for one task: last call, median of the recent calls, and a sparkline whose dots
// say where each call ran (this device or the server).

const WINDOW = 60;  // recent calls kept for the median and the sparkline

export class LatencyMeter {
  constructor(root) {
    this.last = root.querySelector('.last');
    this.p50 = root.querySelector('.p50');
    this.count = root.querySelector('.count');
    this.svg = root.querySelector('svg');
    this.samples = [];  // {ms, where}
    this.total = 0;
  }

  record(ms, where) {
    this.samples.push({ ms, where });
    if (this.samples.length > WINDOW) this.samples.shift();
    this.total += 1;
    this.last.textContent = `last ${formatMs(ms)}`;
    this.last.dataset.where = where;
    this.p50.textContent = `p50 ${formatMs(median(this.samples.map((s) => s.ms)))}`;
    this.count.textContent = `${this.total} call${this.total === 1 ? '' : 's'}`;
    this.draw();
  }

  draw() {
    const ns = 'http://www.w3.org/2000/svg';
    const w = 240, h = 40, pad = 3;
    const max = Math.max(1, ...this.samples.map((s) => s.ms));
    const step = (w - 2 * pad) / Math.max(1, WINDOW - 1);
    const pts = this.samples.map((s, i) => [pad + i * step, h - pad - (s.ms / max) * (h - 2 * pad)]);
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' '));
    const dots = pts.map(([x, y], i) => {
      const c = document.createElementNS(ns, 'circle');
      c.setAttribute('cx', x.toFixed(1));
      c.setAttribute('cy', y.toFixed(1));
      c.setAttribute('r', '1.8');
      c.setAttribute('class', this.samples[i].where === 'remote' ? 'remote' : 'local');
      return c;
    });
    this.svg.replaceChildren(line, ...dots);
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
