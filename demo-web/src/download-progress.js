// One model's download row: a progress bar with bytes while downloading, then where it came
// from ("loaded from cache" on later visits).

export class DownloadProgress {
  constructor(row) {
    this.bar = row.querySelector('progress');
    this.status = row.querySelector('.download-status');
  }

  /** @param {number} fraction 0..1 @param {number} [loadedBytes] @param {number} [totalBytes] */
  progress(fraction, loadedBytes, totalBytes) {
    this.bar.value = fraction;
    this.set('downloading', totalBytes
      ? `${formatBytes(loadedBytes ?? fraction * totalBytes)} of ${formatBytes(totalBytes)}`
      : `${Math.round(fraction * 100)}%`);
  }

  /** @param {'cache'|'network'|'server'} source */
  done(source, bytes) {
    if (source !== 'server') this.bar.value = 1;
    if (source === 'cache') this.set('cached', 'loaded from cache');
    else if (source === 'server') this.set('server', 'runs on the server');
    else this.set('downloaded', bytes ? `downloaded, ${formatBytes(bytes)}` : 'downloaded');
  }

  failed(message) { this.set('error', message); }

  set(state, text) {
    this.status.dataset.state = state;
    this.status.textContent = text;
  }
}

export function formatBytes(n) {
  if (!Number.isFinite(n)) return '?';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
