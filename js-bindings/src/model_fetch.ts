// Getting model bytes: from the cache when a valid entry exists, else downloaded with progress,
// verified against the manifest's SHA-256 and size, and written to the cache in the background:
// the first result never waits on storage (a failed write is a warning, not a failed load).
import { defaultStore, isQuotaError, type CacheEntry, type ModelStore } from './cache.js';
import { downloadLimits, readCapped, withTimeout } from './download_limits.js';
import { getEnv } from './env.js';
import { ModelDownloadError, ModelIntegrityError, throwIfAborted } from './errors.js';
import type { ModelManifest } from './manifest.js';
import { nodeImport } from './node_import.js';
import { sha256Hex } from './sha256.js';
import { mark } from './trace.js';

export interface DownloadProgress {
  bytesLoaded: number;
  /** 0 when the size is unknown until the end. */
  bytesTotal: number;
  /** 0 … 1 */
  fraction: number;
}

export interface FetchModelOptions {
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** false: neither read nor write the cache. */
  cache?: boolean;
}

export interface FetchedModel {
  bytes: Uint8Array;
  sha256: string;
  source: 'cache' | 'network' | 'file';
}

let store: ModelStore | null | undefined;
let cacheDisabledReason = '';

/** The model cache of this environment (null where none exists or it was disabled). */
export async function modelStore(): Promise<ModelStore | null> {
  if (cacheDisabledReason) return null;
  if (store === undefined) {
    try {
      store = await defaultStore(getEnv().runtime);
    } catch {
      store = null;
    }
    if (store === null) disableCache('this environment has neither the Cache API nor IndexedDB');
  }
  return store;
}

/** Replaces the store (tests, or apps that want their own directory / database). */
export function setModelStore(s: ModelStore | null): void {
  store = s;
  cacheDisabledReason = '';
  getEnv().cacheReason = '';
}

function disableCache(reason: string): void {
  cacheDisabledReason = reason;
  getEnv().cacheReason = reason;
  console.warn(`perch: models are not cached: ${reason}`);
}

function isFileUrl(url: string): boolean {
  return url.startsWith('file:');
}

function isNodePath(url: string): boolean {
  if (getEnv().runtime !== 'node') return false;
  return !/^[a-z][a-z0-9+.-]*:/i.test(url) || /^[a-z]:[\\/]/i.test(url);
}

async function readLocalFile(url: string): Promise<Uint8Array> {
  const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
  const { fileURLToPath } = await nodeImport<typeof import('node:url')>('node:url');
  const path = isFileUrl(url) ? fileURLToPath(url) : url;
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (e) {
    throw new ModelDownloadError(`could not read the model file ${path}: ${(e as Error).message}; check the path or pass another "model"`, { cause: e });
  }
}

/** Reads a small text resource (manifests) from a URL or, in Node, a file: capped and timed. */
export async function readText(url: string, signal?: AbortSignal): Promise<string> {
  if (isFileUrl(url) || isNodePath(url)) return new TextDecoder().decode(await readLocalFile(url));
  const limit = withTimeout(signal, downloadLimits.manifestTimeoutMs);
  try {
    const res = await fetch(url, { signal: limit.signal });
    if (!res.ok) throw new ModelDownloadError(`HTTP ${res.status} for ${url}`);
    return new TextDecoder().decode(await readCapped(res, downloadLimits.maxManifestBytes, url));
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    if (limit.timeout.aborted) throw new ModelDownloadError(`no complete answer for ${url} within ${downloadLimits.manifestTimeoutMs} ms`, { cause: e });
    throw e;
  }
}

/** Notes a model loaded without a SHA-256 to check it against (perch.env.unverifiedModels). */
function noteUnverified(m: ModelManifest): void {
  if (m.sha256 !== undefined) return;
  const list = getEnv().unverifiedModels;
  if (!list.includes(m.url)) list.push(m.url);
}

async function verify(bytes: Uint8Array, m: ModelManifest, where: string): Promise<string> {
  if (m.size !== undefined && bytes.length !== m.size) {
    throw new ModelIntegrityError(`${where} has ${bytes.length} bytes but its manifest says ${m.size} (truncated or replaced); fix the manifest or the file`);
  }
  const sha = await sha256Hex(bytes);
  if (m.sha256 !== undefined && sha !== m.sha256) {
    throw new ModelIntegrityError(
      `${where} has SHA-256 ${sha} but its manifest says ${m.sha256}; the file was corrupted or replaced — fix the manifest or the file`,
    );
  }
  return sha;
}

async function download(m: ModelManifest, opts: FetchModelOptions): Promise<Uint8Array> {
  // At most the manifest's size (a longer body is the wrong file), else the default cap; and
  // at most modelTimeoutMs for the whole transfer.
  const cap = m.size ?? downloadLimits.maxModelBytes;
  const limit = withTimeout(opts.signal, downloadLimits.modelTimeoutMs);
  const failed = (e: unknown, what: string) => {
    if (opts.signal?.aborted) return opts.signal.reason;
    if (e instanceof ModelDownloadError) return e;
    if (limit.timeout.aborted)
      return new ModelDownloadError(
        `the download of ${m.url} took longer than ${downloadLimits.modelTimeoutMs} ms; check the network or raise perch.downloadLimits.modelTimeoutMs`,
        { cause: e },
      );
    return new ModelDownloadError(`${what}: ${(e as Error).message}`, { cause: e });
  };
  let res: Response;
  try {
    res = await fetch(m.url, { signal: limit.signal });
  } catch (e) {
    throw failed(e, `could not download the model ${m.url}; check the URL and the network (a cached copy is used when there is one)`);
  }
  if (!res.ok) {
    throw new ModelDownloadError(`could not download the model ${m.url}: the server answered HTTP ${res.status}`);
  }
  const header = Number(res.headers.get('content-length') ?? '');
  const total = m.size ?? (Number.isFinite(header) && header > 0 ? header : 0);
  const report = (n: number) => opts.onProgress?.({ bytesLoaded: n, bytesTotal: total, fraction: total > 0 ? Math.min(1, n / total) : 0 });
  try {
    return await readCapped(res, cap, m.url, report);
  } catch (e) {
    throw failed(e, `the download of ${m.url} broke off`);
  }
}

/** URLs being downloaded right now (availability() reports them as 'downloading'). */
export const downloading = new Set<string>();

/** Cached entries that fail their checks are evicted; this says how many so far (for tests and logs). */
export const cacheStats = { hits: 0, misses: 0, evicted: 0, writes: 0, writeErrors: 0 };

/** The localStorage key that says this origin's model cache has been written to (browsers). */
const CACHE_WRITTEN_KEY = 'perch-models-v1-written';

/**
 * In browsers: whether this origin's model cache may hold a model (a flag in localStorage, set
 * after perch's first cache write, removed by cache.clear()); undefined where it cannot be told
 * (no localStorage: workers, Node, storage refused).
 */
function cacheMayHoldModels(): boolean | undefined {
  try {
    const ls = (globalThis as { localStorage?: Storage }).localStorage;
    return ls ? ls.getItem(CACHE_WRITTEN_KEY) !== null : undefined;
  } catch {
    return undefined;
  }
}

function noteCacheWritten(written: boolean): void {
  try {
    const ls = (globalThis as { localStorage?: Storage }).localStorage;
    if (written) ls?.setItem(CACHE_WRITTEN_KEY, '1');
    else ls?.removeItem(CACHE_WRITTEN_KEY);
  } catch {
    /* storage refused: lookups just stay on */
  }
}

async function downloadTracked(m: ModelManifest, opts: FetchModelOptions): Promise<Uint8Array> {
  downloading.add(m.url);
  try {
    return await download(m, opts);
  } finally {
    downloading.delete(m.url);
  }
}

export async function fetchModel(m: ModelManifest, opts: FetchModelOptions = {}): Promise<FetchedModel> {
  throwIfAborted(opts.signal);
  opts.onProgress?.({ bytesLoaded: 0, bytesTotal: m.size ?? 0, fraction: 0 });
  if (isFileUrl(m.url) || isNodePath(m.url)) {
    const bytes = await readLocalFile(m.url);
    const sha = await verify(bytes, m, m.url);
    noteUnverified(m);
    opts.onProgress?.({ bytesLoaded: bytes.length, bytesTotal: bytes.length, fraction: 1 });
    return { bytes, sha256: sha, source: 'file' };
  }
  const s = opts.cache === false ? null : await modelStore();
  // A browser origin whose cache perch never wrote to holds no model: skip the lookup. Its first
  // Cache Storage access took 240 ms in a fresh Chromium profile, the whole 726 KB detector
  // download 100 ms over loopback; the cache write that follows runs in the background. (A cache
  // filled by a perch older than this flag is read again after one more download.)
  if (s) await cacheWritesSettled(m.url);
  if (s && !(s.kind !== 'directory' && cacheMayHoldModels() === false)) {
    let hit: { bytes: Uint8Array; entry: CacheEntry } | null = null;
    try {
      hit = await s.get(m.url);
    } catch {
      hit = null;
    }
    if (hit) {
      const sha = await sha256Hex(hit.bytes);
      const ok =
        sha === hit.entry.sha256 &&
        hit.bytes.length === hit.entry.size &&
        (m.sha256 === undefined || m.sha256 === sha) &&
        (m.size === undefined || m.size === hit.bytes.length);
      if (ok) {
        cacheStats.hits++;
        noteUnverified(m);
        opts.onProgress?.({ bytesLoaded: hit.bytes.length, bytesTotal: hit.bytes.length, fraction: 1 });
        return { bytes: hit.bytes, sha256: sha, source: 'cache' };
      }
      cacheStats.evicted++;
      await s.delete(m.url).catch(() => false);
    }
  }
  cacheStats.misses++;
  const bytes = await downloadTracked(m, opts);
  mark('model-downloaded');
  const sha = await verify(bytes, m, m.url);
  noteUnverified(m);
  if (s) writeInBackground(s, m.url, bytes, sha);
  opts.onProgress?.({ bytesLoaded: bytes.length, bytesTotal: bytes.length, fraction: 1 });
  return { bytes, sha256: sha, source: 'network' };
}

/** Cache writes not finished yet, by URL (one at a time per URL, in order). */
const pendingWrites = new Map<string, Promise<void>>();

function writeInBackground(s: ModelStore, url: string, bytes: Uint8Array, sha: string): void {
  // A copy: the caller may hand `bytes` to a Worker, which detaches them.
  const copy = bytes.slice();
  const write = (pendingWrites.get(url) ?? Promise.resolve())
    .then(() => s.put(url, copy, sha))
    .then(
      () => {
        cacheStats.writes++;
        if (s.kind !== 'directory') noteCacheWritten(true);
      },
      (e: unknown) => {
        cacheStats.writeErrors++;
        if (isQuotaError(e)) disableCache('the storage quota is exhausted (QuotaExceededError); running without a cache');
        else console.warn(`perch: could not cache ${url}: ${(e as Error).message}`);
      },
    )
    .finally(() => {
      if (pendingWrites.get(url) === write) pendingWrites.delete(url);
    });
  pendingWrites.set(url, write);
}

/**
 * Resolves once the cache writes started so far (of `url` only, when given) have finished or
 * failed. Reads of the cache wait for it, so that they see what the loads before them stored.
 */
export async function cacheWritesSettled(url?: string): Promise<void> {
  if (url !== undefined) await pendingWrites.get(url);
  else await Promise.all(pendingWrites.values());
}

/** `perch.cache`: list, delete and clear cached models. */
export const cache = {
  async list(): Promise<CacheEntry[]> {
    await cacheWritesSettled();
    const s = await modelStore();
    return s ? s.list() : [];
  },
  async delete(url: string | URL): Promise<boolean> {
    await cacheWritesSettled(String(url));
    const s = await modelStore();
    return s ? s.delete(String(url)) : false;
  },
  async clear(): Promise<void> {
    await cacheWritesSettled();
    const s = await modelStore();
    if (s) await s.clear();
    noteCacheWritten(false);
  },
  /** Resolves once the models downloaded so far are written to the cache (or failed to be). */
  async flush(): Promise<void> {
    await cacheWritesSettled();
  },
  /** Where models are kept: 'cache-api', 'indexeddb', 'directory' or 'none'. */
  async kind(): Promise<string> {
    const s = await modelStore();
    return s ? s.kind : 'none';
  },
};
