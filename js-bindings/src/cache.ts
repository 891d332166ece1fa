// Where downloaded models are kept: the Cache API in browsers, IndexedDB where the Cache API is
// missing, a directory in Node. Every entry records the SHA-256 of its bytes so that a corrupt or
// truncated entry is detected on read (and evicted by the caller).
import { idbRequest } from './idb_request.js';
import { nodeImport } from './node_import.js';

export interface CacheEntry {
  url: string;
  size: number;
  sha256: string;
  storedAt: number;
}

export interface ModelStore {
  readonly kind: 'cache-api' | 'indexeddb' | 'directory';
  get(url: string): Promise<{ bytes: Uint8Array; entry: CacheEntry } | null>;
  put(url: string, bytes: Uint8Array, sha256: string): Promise<void>;
  delete(url: string): Promise<boolean>;
  list(): Promise<CacheEntry[]>;
  clear(): Promise<void>;
}

const CACHE_NAME = 'perch-models-v1';

/** Browser Cache API. */
export class CacheApiStore implements ModelStore {
  readonly kind = 'cache-api' as const;
  private open(): Promise<Cache> {
    return caches.open(CACHE_NAME);
  }
  async get(url: string) {
    const cache = await this.open();
    const res = await cache.match(url);
    if (!res) return null;
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { bytes, entry: entryFromHeaders(url, res.headers) };
  }
  async put(url: string, bytes: Uint8Array, sha256: string) {
    const cache = await this.open();
    const headers = new Headers({
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length),
      'x-perch-sha256': sha256,
      'x-perch-size': String(bytes.length),
      'x-perch-stored-at': String(Date.now()),
    });
    await cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
  }
  async delete(url: string) {
    return (await this.open()).delete(url);
  }
  async list() {
    const cache = await this.open();
    const out: CacheEntry[] = [];
    for (const req of await cache.keys()) {
      const res = await cache.match(req);
      if (res) out.push(entryFromHeaders(req.url, res.headers));
    }
    return out;
  }
  async clear() {
    await caches.delete(CACHE_NAME);
  }
}

function entryFromHeaders(url: string, h: Headers): CacheEntry {
  return {
    url,
    size: Number(h.get('x-perch-size') ?? -1),
    sha256: h.get('x-perch-sha256') ?? '',
    storedAt: Number(h.get('x-perch-stored-at') ?? 0),
  };
}

/** IndexedDB, for browsers without the Cache API (e.g. some insecure contexts). */
export class IndexedDbStore implements ModelStore {
  readonly kind = 'indexeddb' as const;
  private db: Promise<IDBDatabase> | undefined;
  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const req = indexedDB.open(CACHE_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('models', { keyPath: 'url' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return this.db;
  }
  private async tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    return idbRequest(await this.open(), 'models', mode, fn);
  }
  async get(url: string) {
    const rec = (await this.tx('readonly', (s) => s.get(url))) as (CacheEntry & { bytes: ArrayBuffer }) | undefined;
    if (!rec) return null;
    const { bytes, ...entry } = rec;
    return { bytes: new Uint8Array(bytes), entry };
  }
  async put(url: string, bytes: Uint8Array, sha256: string) {
    const copy = bytes.slice().buffer;
    await this.tx('readwrite', (s) => s.put({ url, size: bytes.length, sha256, storedAt: Date.now(), bytes: copy }));
  }
  async delete(url: string) {
    const had = (await this.tx('readonly', (s) => s.count(url))) > 0;
    await this.tx('readwrite', (s) => s.delete(url));
    return had;
  }
  async list() {
    const all = (await this.tx('readonly', (s) => s.getAll())) as (CacheEntry & { bytes?: ArrayBuffer })[];
    return all.map(({ url, size, sha256, storedAt }) => ({ url, size, sha256, storedAt }));
  }
  async clear() {
    await this.tx('readwrite', (s) => s.clear());
  }
}

/** A directory in Node: <dir>/<sha256(url)>.perch + .json (written to a temp name, then renamed). */
export class DirectoryStore implements ModelStore {
  readonly kind = 'directory' as const;
  constructor(readonly dir: string) {}
  private async paths(url: string) {
    const { createHash } = await nodeImport<typeof import('node:crypto')>('node:crypto');
    const { join } = await nodeImport<typeof import('node:path')>('node:path');
    const key = createHash('sha256').update(url).digest('hex').slice(0, 32);
    return { data: join(this.dir, `${key}.perch`), meta: join(this.dir, `${key}.json`) };
  }
  async get(url: string) {
    const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
    const p = await this.paths(url);
    let meta: CacheEntry;
    try {
      meta = JSON.parse(await fs.readFile(p.meta, 'utf8')) as CacheEntry;
    } catch {
      return null;
    }
    if (meta.url !== url) return null;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await fs.readFile(p.data));
    } catch {
      // Metadata without data: report an empty entry so the caller evicts it.
      bytes = new Uint8Array(0);
    }
    return { bytes, entry: meta };
  }
  async put(url: string, bytes: Uint8Array, sha256: string) {
    const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
    const p = await this.paths(url);
    await fs.mkdir(this.dir, { recursive: true });
    const entry: CacheEntry = { url, size: bytes.length, sha256, storedAt: Date.now() };
    const tmp = `${p.data}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, p.data);
    await fs.writeFile(`${tmp}.json`, JSON.stringify(entry));
    await fs.rename(`${tmp}.json`, p.meta);
  }
  async delete(url: string) {
    const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
    const p = await this.paths(url);
    let had = false;
    for (const f of [p.meta, p.data]) {
      try {
        await fs.unlink(f);
        had = true;
      } catch {
        /* already gone */
      }
    }
    return had;
  }
  async list() {
    const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
    const { join } = await nodeImport<typeof import('node:path')>('node:path');
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return [];
    }
    const out: CacheEntry[] = [];
    for (const n of names.filter((x) => x.endsWith('.json')).sort()) {
      try {
        out.push(JSON.parse(await fs.readFile(join(this.dir, n), 'utf8')) as CacheEntry);
      } catch {
        /* a half-written entry: skipped, evicted on its next get */
      }
    }
    return out;
  }
  async clear() {
    const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
    const { join } = await nodeImport<typeof import('node:path')>('node:path');
    let names: string[] = [];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return;
    }
    await Promise.all(names.filter((n) => /\.(perch|json|tmp)$/.test(n)).map((n) => fs.unlink(join(this.dir, n)).catch(() => {})));
  }
}

/** The default cache directory in Node: $PERCH_CACHE_DIR, else $XDG_CACHE_HOME/perch, else ~/.cache/perch. */
export async function defaultCacheDir(): Promise<string> {
  const env = process.env;
  if (env.PERCH_CACHE_DIR) return env.PERCH_CACHE_DIR;
  const { join } = await nodeImport<typeof import('node:path')>('node:path');
  const { homedir } = await nodeImport<typeof import('node:os')>('node:os');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'perch');
}

/** The store this environment supports, or null where none does. */
export async function defaultStore(runtime: string): Promise<ModelStore | null> {
  if (runtime === 'node') return new DirectoryStore(await defaultCacheDir());
  if (typeof caches === 'object' && caches !== null) return new CacheApiStore();
  if (typeof indexedDB === 'object' && indexedDB !== null) return new IndexedDbStore();
  return null;
}

export function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name;
  const code = (e as { code?: string } | null)?.code;
  return name === 'QuotaExceededError' || code === 'ENOSPC' || code === 'EDQUOT';
}
