// The placement panel: where each task runs and why, the wasm build and threads in use, and the
// "simulate a weak device" switch.

const WHERE_TEXT = { local: 'This device', remote: 'Server' };

export class PlacementPanel {
  constructor(root, { onWeakDeviceChange }) {
    this.root = root;
    this.build = root.querySelector('#env-build');
    this.threads = root.querySelector('#env-threads');
    this.server = root.querySelector('#env-server');
    this.weakSwitch = root.querySelector('#weak-device');
    this.weakSwitch.addEventListener('click', () => {
      const on = this.weakSwitch.getAttribute('aria-checked') !== 'true';
      this.weakSwitch.setAttribute('aria-checked', String(on));
      onWeakDeviceChange(on);
    });
  }

  get weakDevice() { return this.weakSwitch.getAttribute('aria-checked') === 'true'; }

  /** @param {'suggest'|'langid'} task @param {{where: string, reason: string}} placement */
  showPlacement(task, placement) {
    const row = this.root.querySelector(`tr[data-task="${task}"]`);
    const where = row.querySelector('.where');
    const changed = where.dataset.where && where.dataset.where !== placement.where;
    where.dataset.where = placement.where;
    where.textContent = WHERE_TEXT[placement.where] ?? placement.where;
    // The package reasons from the device profile it was given; say when that profile is ours.
    row.querySelector('.why').textContent = this.weakDevice && placement.where === 'remote'
      ? `${placement.reason} (simulated weak device)` : placement.reason;
    if (changed) {
      const name = row.querySelector('th').textContent;
      this.root.querySelector('.placement-announce').textContent =
        `${name} now runs on ${placement.where === 'remote' ? 'the server' : 'this device'}: ${placement.reason}`;
      row.classList.remove('changed');
      void row.offsetWidth;  // restart the highlight animation
      row.classList.add('changed');
    }
  }

  showLoading(task, what) {
    const row = this.root.querySelector(`tr[data-task="${task}"]`);
    row.querySelector('.where').textContent = '…';
    row.querySelector('.why').textContent = what;
  }

  showFailure(task, message) {
    const row = this.root.querySelector(`tr[data-task="${task}"]`);
    const where = row.querySelector('.where');
    where.dataset.where = 'none';
    where.textContent = 'Unavailable';
    row.querySelector('.why').textContent = message;
  }

  /** @param {Awaited<ReturnType<typeof import('./perch-tasks.js').engineInfo>>} e */
  showEngine(e) {
    this.build.textContent = e.loaded ? e.build : e.error ? `failed to load (${e.error})` : 'none: every task runs on the server';
    if (e.threads > 1) this.threads.textContent = `${e.threads} (threads on)`;
    else if (e.threadsAvailable) this.threads.textContent = `1 (threads available; default on ${e.cores} cores)`;
    else this.threads.textContent = `1 (threads off: ${e.threadsReason})`;
    this.threads.dataset.available = String(e.threadsAvailable);
  }

  showServer(text) { this.server.textContent = text; }
}
