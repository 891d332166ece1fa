// The language badge: the most likely language in words, and the top three with confidences.

const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/** English name for an ISO 639 code; 'und' (the detector's "no signal") reads as such. */
export function languageName(code) {
  if (!code || code === 'und') return 'Undetermined';
  try { return names.of(code); } catch { return code; }
}

export class LanguageBadge {
  constructor(root) {
    this.main = root.querySelector('.badge-main');
    this.top = root.querySelector('.badge-top');
    // Screen readers hear the language when it changes, not every confidence update.
    this.announce = root.querySelector('.announce');
  }

  /** @param {{detectedLanguage: string, confidence: number}[]} results sorted, most likely first */
  show(results) {
    const ranked = results.filter((r) => r.detectedLanguage !== 'und');
    const undetermined = results.find((r) => r.detectedLanguage === 'und')?.confidence ?? 0;
    const best = ranked[0];
    if (!best || best.confidence < undetermined) {
      // Most of the probability says "no clear language" (too short, digits, emoji…).
      if (this.main.textContent !== 'Language: not sure yet') this.main.textContent = 'Language: not sure yet';
      delete this.main.dataset.lang;
    } else {
      if (this.main.dataset.lang !== best.detectedLanguage) {
        this.announce.textContent = `Language: ${languageName(best.detectedLanguage)}`;
      }
      const text = `${languageName(best.detectedLanguage)} · ${percent(best.confidence)}`;
      if (this.main.textContent !== text) this.main.textContent = text;
      this.main.dataset.lang = best.detectedLanguage;
    }
    // Redrawn only when what it shows changes (most keystrokes keep the same languages and percents).
    const top = ranked.slice(0, 3);
    const key = top.map((r) => `${r.detectedLanguage} ${percent(r.confidence)}`).join(',');
    if (key === this.topKey) return;
    this.topKey = key;
    this.top.replaceChildren(...top.map((r) => {
      const li = document.createElement('li');
      li.dataset.lang = r.detectedLanguage;
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.setAttribute('aria-hidden', 'true');
      const fill = document.createElement('span');
      fill.style.width = percent(r.confidence);
      bar.append(fill);
      li.append(`${languageName(r.detectedLanguage)} ${percent(r.confidence)}`, bar);
      return li;
    }));
  }

  clear() {
    this.main.textContent = 'Language: waiting for text';
    delete this.main.dataset.lang;
    this.top.replaceChildren();
    this.topKey = '';
  }

  error(message) {
    this.main.textContent = `Language: ${message}`;
    this.top.replaceChildren();
    this.topKey = '';
  }
}

function percent(x) { return `${Math.round(Math.max(0, Math.min(1, x)) * 100)}%`; }
