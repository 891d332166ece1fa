// Watches the fallback server: is it reachable, and how many task requests has it answered
// (from its Prometheus /metrics). Offline, the page keeps working on this device and says so.

const POLL_MS = 2000;

export class ServerStatus {
  /** @param {{serverUrl: string, onChange: (s: {up: boolean, taskRequests: number|null}) => void}} o */
  constructor({ serverUrl, onChange }) {
    this.serverUrl = serverUrl.replace(/\/$/, '');
    this.onChange = onChange;
    this.state = { up: null, taskRequests: null };
    this.timer = null;
  }

  start() {
    const tick = async () => {
      await this.check();
      this.timer = setTimeout(tick, POLL_MS);
    };
    tick();
    addEventListener('online', () => this.check());
    addEventListener('offline', () => this.check());
  }

  async check() {
    let up = false;
    let taskRequests = null;
    try {
      const res = await fetch(`${this.serverUrl}/metrics`, { cache: 'no-store', signal: AbortSignal.timeout(1500) });
      up = res.ok;
      if (res.ok) taskRequests = countTaskRequests(await res.text());
    } catch {
      up = false;
    }
    if (up !== this.state.up || taskRequests !== this.state.taskRequests) {
      this.state = { up, taskRequests };
      this.onChange(this.state);
    }
    return this.state;
  }
}

/** Parses Prometheus text exposition into samples. */
export function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return samples;
}

/** Requests perch-server answered on its task routes (perch_requests_total{route=...}), any status. */
export function countTaskRequests(text) {
  let total = 0;
  for (const s of parsePrometheus(text)) {
    if (!/requests_total$/.test(s.name)) continue;
    // perch-server names its task routes v1_text_suggest and v1_language_detect.
    if (/^v1_/.test(s.labels.route ?? '')) total += s.value;
  }
  return total;
}
