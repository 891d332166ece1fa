// Offline after the first visit: a service worker keeps the page, the package code and the
// wasm builds; the package keeps the models in its own cache.

export function registerOfflineSupport() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('./sw.js').catch((err) => {
    console.warn('perch demo: offline support unavailable:', err.message);
  });
}
