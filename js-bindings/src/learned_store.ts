// Where a TextSuggester keeps what it learnt from its user: IndexedDB in the browser (one record
// per origin, as IndexedDB itself is per origin), nowhere in Node (the engine's memory only).
// Never sent to a server: remote placement does not see it.
import { idbRequest } from './idb_request.js';

const DB_NAME = 'perch-learned';
const STORE = 'suggester';
const KEY = 'words';

function idb(): IDBFactory | undefined {
  const f = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  return typeof f === 'object' && f !== null ? f : undefined;
}

let db: Promise<IDBDatabase> | undefined;
function open(factory: IDBFactory): Promise<IDBDatabase> {
  db ??= new Promise((resolve, reject) => {
    const req = factory.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return db;
}

async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T | undefined> {
  const factory = idb();
  if (!factory) return undefined;
  return idbRequest(await open(factory), STORE, mode, fn);
}

/** The saved export (perch_text_suggester_export_learned JSON), if any. */
export async function loadLearned(): Promise<string | undefined> {
  const v = await tx('readonly', (s) => s.get(KEY) as IDBRequest<unknown>).catch(() => undefined);
  return typeof v === 'string' ? v : undefined;
}

export async function saveLearned(json: string): Promise<void> {
  await tx('readwrite', (s) => s.put(json, KEY)).catch(() => undefined);
}

export async function clearLearned(): Promise<void> {
  await tx('readwrite', (s) => s.delete(KEY)).catch(() => undefined);
}
