// Service worker: offline after the first visit. The page, its code, the package's code and the
// wasm builds are precached at install; at run time the network is tried first (so a rebuilt demo
// shows at once) and the cache answers when the server is gone. The task API, health and metrics
// are never cached, and models are left to the perch package's own verified cache.
const VERSION = '__PERCH_DEMO_VERSION__';
const PRECACHE = __PERCH_DEMO_FILES__;
const CACHE = `perch-demo-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('perch-demo-') && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

function handledHere(request) {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return false;
  if (/^\/(v1|v2)\//.test(url.pathname) || url.pathname === '/metrics') return false;
  return !url.pathname.endsWith('.perch');
}

self.addEventListener('fetch', (event) => {
  if (!handledHere(event.request)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(event.request);
      if (response.ok) await cache.put(event.request, response.clone());
      return response;
    } catch (err) {
      const cached = await cache.match(event.request, { ignoreSearch: true });
      if (cached) return cached;
      throw err;
    }
  })());
});
