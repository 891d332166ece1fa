// Model manifests: where a model lives and the SHA-256 and size its bytes must have.
import { InvalidInputError, ModelDownloadError } from './errors.js';

export type TaskName = 'language-detection' | 'text-suggestion';

export interface ModelManifest {
  /** Absolute URL of the .perch file (relative URLs are resolved against the manifest's URL). */
  url: string;
  /** Lowercase hex SHA-256 of the file; the bytes are rejected when they differ. */
  sha256?: string;
  /** Size of the file in bytes. */
  size?: number;
  task?: TaskName | '';
  name?: string;
  license?: string;
}

/** What a `model` option may be: a .perch URL, a manifest URL (.json), a manifest, or the bytes. */
export type ModelSource = string | URL | ModelManifest | Uint8Array | ArrayBuffer;

const HEX64 = /^[0-9a-f]{64}$/;

export function checkManifest(m: unknown, where: string): ModelManifest {
  if (typeof m !== 'object' || m === null) throw new InvalidInputError(`${where}: a model manifest must be a JSON object with "url" and "sha256"`);
  const o = m as Record<string, unknown>;
  if (typeof o.url !== 'string' || o.url === '') throw new InvalidInputError(`${where}: the manifest needs a "url" string pointing at the .perch file`);
  if (o.sha256 !== undefined && (typeof o.sha256 !== 'string' || !HEX64.test(o.sha256.toLowerCase())))
    throw new InvalidInputError(`${where}: "sha256" must be 64 hex digits (got ${JSON.stringify(o.sha256)})`);
  if (o.size !== undefined && (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0))
    throw new InvalidInputError(`${where}: "size" must be a non-negative integer byte count`);
  return {
    url: o.url,
    sha256: typeof o.sha256 === 'string' ? o.sha256.toLowerCase() : undefined,
    size: o.size as number | undefined,
    task: (o.task as TaskName | undefined) ?? '',
    name: typeof o.name === 'string' ? o.name : undefined,
    license: typeof o.license === 'string' ? o.license : undefined,
  };
}

export type ReadUrl = (url: string, signal?: AbortSignal) => Promise<Uint8Array>;

/** Turns a `model` option into a manifest (bytes stay bytes). */
export async function resolveModelSource(
  source: ModelSource,
  readText: (url: string, signal?: AbortSignal) => Promise<string>,
  signal?: AbortSignal,
): Promise<ModelManifest | Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source === 'string' || source instanceof URL) {
    const url = String(source);
    if (/\.json([?#].*)?$/.test(url)) {
      let text: string;
      try {
        text = await readText(url, signal);
      } catch (e) {
        throw new ModelDownloadError(`could not read the model manifest ${url}: ${(e as Error).message}`, { cause: e });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new InvalidInputError(`the model manifest ${url} is not valid JSON`);
      }
      const m = checkManifest(parsed, url);
      const resolved = new URL(m.url, url);
      // A manifest fetched from the web names web resources only: never a file of this machine
      // (in Node, file: URLs and paths are read from disk).
      if (/^https?:$/.test(new URL(url, 'file:///').protocol) && !/^https?:$/.test(resolved.protocol))
        throw new InvalidInputError(`the model manifest ${url} points at ${resolved.href}; a manifest served over HTTP(S) may only name http: or https: URLs`);
      return { ...m, url: resolved.href };
    }
    return { url };
  }
  return checkManifest(source, 'model');
}
