// availability(): whether a task can run here and whether its model must be downloaded first,
// answered without loading anything (the Language Detector API's states).
import { shippedModel } from './default_models.js';
import { getEnv } from './env.js';
import { cacheWritesSettled, downloading, modelStore } from './model_fetch.js';
import type { TaskCreateOptions } from './task.js';

export type Availability = 'unavailable' | 'downloadable' | 'downloading' | 'available';

/**
 * Where a model can be served from, without loading anything. `downloads` false: whether the
 * model must be downloaded first is not asked (no cache lookup); 'available' then stands for
 * every state but 'unavailable' (create() asks only when it needs user activation for a download).
 */
export async function availabilityOf(task: 'language-detection' | 'text-suggestion', o: TaskCreateOptions = {}, downloads = true): Promise<Availability> {
  const env = getEnv();
  const canLocal = env.webassembly && o.placement !== 'remote';
  if (!canLocal) return o.serverUrl ? 'available' : 'unavailable';
  if (o.placement !== 'local' && o.serverUrl && !env.simd) return 'available';
  if (o.model === undefined) {
    const m = shippedModel(task);
    if (!m) return o.serverUrl ? 'available' : 'unavailable';
    if (!downloads) return 'available';
    if (m.url.startsWith('file:')) return 'available';
    if (downloading.has(m.url)) return 'downloading';
    await cacheWritesSettled(m.url);
    const store = await modelStore();
    const hit = store ? (await store.list()).some((e) => e.url === m.url && e.sha256 === m.sha256) : false;
    return hit ? 'available' : 'downloadable';
  }
  if (o.model instanceof Uint8Array || o.model instanceof ArrayBuffer || !downloads) return 'available';
  const url = typeof o.model === 'string' || o.model instanceof URL ? String(o.model) : o.model.url;
  if (url.startsWith('file:') || (env.runtime === 'node' && !/^https?:/.test(url))) return 'available';
  if (downloading.has(url)) return 'downloading';
  await cacheWritesSettled(url);
  const store = await modelStore();
  return store && (await store.list()).some((e) => e.url === url) ? 'available' : 'downloadable';
}
