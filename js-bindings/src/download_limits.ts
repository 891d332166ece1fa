// Limits on what a model or manifest download may cost: a byte cap (the manifest's `size` when
// it gives one, else `maxModelBytes`) and a time limit, so that a hostile or broken server can
// neither fill memory nor hang a load. Apps with bigger models raise them (perch.downloadLimits).
import { ModelDownloadError } from './errors.js';

export interface DownloadLimits {
  /** Cap on a model download whose manifest gives no `size` (64 MiB; perch's models are < 10 MB). */
  maxModelBytes: number;
  /** Cap on a manifest (.json) download: 1 MiB. */
  maxManifestBytes: number;
  /** Time limit of a whole model download: 5 minutes. */
  modelTimeoutMs: number;
  /** Time limit of a manifest download: 30 seconds. */
  manifestTimeoutMs: number;
  /** Cap on one answer of a perch server (remote placement): 4 MiB. */
  maxRemoteAnswerBytes: number;
}

export const downloadLimits: DownloadLimits = {
  maxModelBytes: 64 * 1024 * 1024,
  maxManifestBytes: 1024 * 1024,
  modelTimeoutMs: 5 * 60 * 1000,
  manifestTimeoutMs: 30 * 1000,
  maxRemoteAnswerBytes: 4 * 1024 * 1024,
};

/** `signal` (when given) and a timeout of `ms`, as one signal. */
export function withTimeout(signal: AbortSignal | undefined, ms: number): { signal: AbortSignal; timeout: AbortSignal } {
  const timeout = AbortSignal.timeout(ms);
  return { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, timeout };
}

/**
 * Reads a response body of at most `cap` bytes: a declared Content-Length over the cap fails
 * before reading, and a body that grows past it fails as soon as it does (the rest is not read).
 */
export async function readCapped(res: Response, cap: number, url: string, onChunk?: (loaded: number) => void): Promise<Uint8Array> {
  const tooBig = (n: number | string) =>
    new ModelDownloadError(
      `${url} is larger than the ${cap} bytes allowed (${n} bytes); if it is the right file, give its "size" in the manifest or raise perch.downloadLimits`,
    );
  const declared = Number(res.headers.get('content-length') ?? '');
  if (Number.isFinite(declared) && declared > cap) {
    await res.body?.cancel().catch(() => {});
    throw tooBig(declared);
  }
  if (!res.body) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > cap) throw tooBig(bytes.length);
    onChunk?.(bytes.length);
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    loaded += value.length;
    if (loaded > cap) {
      await reader.cancel().catch(() => {});
      throw tooBig(`at least ${loaded}`);
    }
    chunks.push(value);
    onChunk?.(loaded);
  }
  const bytes = new Uint8Array(loaded);
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.length;
  }
  return bytes;
}
