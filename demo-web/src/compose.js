// The compose box with ghost-text suggestions. A transparent <textarea> sits on a mirror that
// repeats the typed text invisibly, so the grey suggestion starts exactly where the caret is and
// wraps like the real text. Tab or → (at the end) accepts, Esc dismisses until the next edit.
// The ghost is the first suggestion when the model is sure enough (confidence >= the
// suggester's showThreshold) and it continues the text; a `replace` suggestion ("i" -> "I")
// and weaker ones are offered in the list of alternatives only.

export class GhostTextCompose {
  /**
   * @param {HTMLElement} root the .compose-card section
   * @param {{onTextChange: (text: string) => void}} handlers called after every edit or accept
   */
  constructor(root, { onTextChange }) {
    this.textarea = root.querySelector('textarea');
    this.mirrorText = root.querySelector('.mirror-text');
    this.ghost = root.querySelector('.ghost');
    this.mirror = root.querySelector('.compose-mirror');
    this.announcer = root.querySelector('#compose-suggestion');
    this.alternatives = root.querySelector('.alternatives');
    this.onTextChange = onTextChange;
    this.suggestions = [];   // [{text, confidence}] for the text they were computed for
    this.suggestedFor = null;
    this.dismissed = false;
    this.showThreshold = 0.4;  // replaced by the suggester's own (main.js)

    this.textarea.addEventListener('input', (e) => {
      if (e.isComposing) return;  // wait for the IME to commit
      this.dismissed = false;
      this.render();
      this.onTextChange(this.textarea.value);
    });
    this.textarea.addEventListener('compositionend', () => this.onTextChange(this.textarea.value));
    this.textarea.addEventListener('keydown', (e) => this.onKeyDown(e));
    // The caret moving away from the end hides the ghost; scrolling keeps the mirror aligned.
    for (const type of ['select', 'click', 'keyup', 'focus', 'blur']) {
      this.textarea.addEventListener(type, () => this.render());
    }
    this.textarea.addEventListener('scroll', () => { this.mirror.scrollTop = this.textarea.scrollTop; });
  }

  get text() { return this.textarea.value; }

  /** The suggestion list for `forText`; ignored if the user has typed on since. */
  setSuggestions(forText, suggestions) {
    if (forText !== this.textarea.value) return;
    this.suggestions = suggestions;
    this.suggestedFor = forText;
    this.render();
  }

  /** The ghost shown now, or '' (caret not at the end, dismissed, stale, or nothing to show). */
  visibleGhost() {
    const t = this.textarea;
    const atEnd = t.selectionStart === t.value.length && t.selectionEnd === t.value.length;
    if (this.dismissed || !atEnd || this.suggestedFor !== t.value || this.suggestions.length === 0) return '';
    const first = this.suggestions[0];
    return first.replace || first.confidence < this.showThreshold ? '' : first.text;
  }

  accept(text = this.visibleGhost(), replace = false) {
    if (!text) return false;
    const t = this.textarea;
    t.focus();
    // A replacement takes the place of the word being typed (its trailing letters).
    if (replace) t.setRangeText('', t.value.length - (/[\p{L}\p{N}']*$/u.exec(t.value)?.[0].length ?? 0), t.value.length, 'end');
    // A suggestion ends at a word boundary; the space after it makes the next suggestion the
    // next word instead of a longer version of the word just accepted.
    const insert = /\s$/.test(text) ? text : `${text} `;
    t.setRangeText(insert, t.value.length, t.value.length, 'end');
    this.suggestions = [];
    this.suggestedFor = null;
    this.render();
    this.onTextChange(t.value);
    return true;
  }

  dismiss() {
    this.dismissed = true;
    this.render();
  }

  onKeyDown(e) {
    if (e.isComposing || e.altKey || e.ctrlKey || e.metaKey) return;
    const ghost = this.visibleGhost();
    if (!ghost) return;  // Tab keeps moving focus when there is nothing to accept
    if ((e.key === 'Tab' && !e.shiftKey) || e.key === 'ArrowRight') {
      e.preventDefault();
      this.accept(ghost);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      this.dismiss();
    }
  }

  render() {
    const ghost = this.visibleGhost();
    this.mirrorText.textContent = this.textarea.value;
    this.ghost.textContent = ghost;
    this.mirror.scrollTop = this.textarea.scrollTop;
    const said = ghost ? `Suggestion: ${ghost.trim()}. Press Tab to accept.` : '';
    if (this.announcer.textContent !== said) this.announcer.textContent = said;
    this.renderAlternatives();
  }

  renderAlternatives() {
    const list = this.suggestedFor === this.textarea.value && !this.dismissed ? this.suggestions : [];
    const key = JSON.stringify(list);
    if (this.alternatives.dataset.key === key) return;
    this.alternatives.dataset.key = key;
    this.alternatives.replaceChildren(...list.map((s) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = s.text.trim() || s.text;
      const c = document.createElement('span');
      c.className = 'confidence';
      c.textContent = `${Math.round(s.confidence * 100)}%`;
      b.append(c);
      b.setAttribute('aria-label', `Insert “${s.text.trim()}”, ${Math.round(s.confidence * 100)} percent`);
      b.addEventListener('click', () => this.accept(s.text, s.replace === true));
      return b;
    }));
  }
}
