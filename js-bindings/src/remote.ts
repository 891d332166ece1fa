// The remote path: perch-server's task endpoints, which answer with the same objects as the
// local engine (the server runs the same C++), or any Open Inference Protocol v2 server (KServe,
// Triton, perch-server's /v2) serving a task model with a BYTES `text` input.
import { downloadLimits, readCapped } from './download_limits.js';
import { RemoteError, throwIfAborted } from './errors.js';
import type { LanguageResult, SuggestionResult } from './results.js';

export interface RemoteOptions {
  serverUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Per-request time limit (ms) before the call fails (and `auto` placement falls back to local). */
  timeoutMs?: number;
  /** 'perch' (default): /v1 task endpoints. 'v2': POST /v2/models/{model}/infer. */
  protocol?: 'perch' | 'v2';
  /** The model name on a v2 server; default 'langid' for detection, 'suggest' for suggestion. */
  modelName?: string;
}

async function post<T>(opts: RemoteOptions, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  throwIfAborted(signal);
  const url = new URL(path, opts.serverUrl.endsWith('/') ? opts.serverUrl : `${opts.serverUrl}/`).href;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: combined });
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    const why = timeout.aborted ? `no answer within ${opts.timeoutMs ?? 10_000} ms` : (e as Error).message;
    throw new RemoteError(`could not reach the perch server at ${url}: ${why}; check serverUrl or use placement: 'local'`, 0, { cause: e });
  }
  let text: string;
  try {
    text = new TextDecoder().decode(await readCapped(res, downloadLimits.maxRemoteAnswerBytes, url));
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw new RemoteError(`the perch server at ${url} answered HTTP ${res.status} but its body could not be read: ${(e as Error).message}`, res.status, {
      cause: e,
      unusable: true,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const start = text.slice(0, 80).replace(/\s+/g, ' ');
    throw new RemoteError(
      `the perch server at ${url} answered HTTP ${res.status} with a body that is not JSON (${JSON.stringify(start)}); is serverUrl a perch server?`,
      res.status,
      { unusable: true },
    );
  }
  if (!res.ok) {
    const err = parsed as { error?: unknown; code?: unknown };
    const msg = typeof err.error === 'string' ? err.error : `HTTP ${res.status}`;
    const hint = res.status === 401 ? ' (pass apiKey)' : res.status === 403 ? ' (this origin is not allowed by the server)' : '';
    throw new RemoteError(`the perch server refused the request: ${msg}${hint}`, res.status);
  }
  return parsed as T;
}

function checkArray<T>(value: unknown, check: (x: Record<string, unknown>) => boolean, what: string): T[] {
  if (!Array.isArray(value) || !value.every((x) => typeof x === 'object' && x !== null && check(x as Record<string, unknown>))) {
    throw new RemoteError(`the perch server answered ${what} in an unexpected shape; is serverUrl a perch server?`, 200, { unusable: true });
  }
  return value as T[];
}

interface V2Tensor {
  name?: unknown;
  data?: unknown;
}

/** One text through a v2 task model: outputs [label, confidence], each shaped [1, k]. */
async function v2Infer(
  opts: RemoteOptions,
  model: string,
  labelKey: 'detectedLanguage' | 'text',
  text: string,
  parameters: Record<string, number>,
  signal?: AbortSignal,
): Promise<Record<string, unknown>[]> {
  const body = { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: [text] }], parameters };
  const out = await post<{ outputs?: unknown }>(opts, `v2/models/${encodeURIComponent(model)}/infer`, body, signal);
  const outputs = Array.isArray(out?.outputs) ? (out.outputs as V2Tensor[]) : [];
  const labels = outputs.find((o) => o.name === (labelKey === 'text' ? 'suggestion' : 'language'))?.data;
  const conf = outputs.find((o) => o.name === 'confidence')?.data;
  if (!Array.isArray(labels) || !Array.isArray(conf) || labels.length !== conf.length) {
    throw new RemoteError(`the v2 server's model '${model}' answered without matching label and confidence outputs; is it a perch task model?`, 200);
  }
  // Rows are padded with "" to the longest result of the batch: drop the padding.
  return labels.map((label, i) => ({ [labelKey]: label, confidence: conf[i] })).filter((x) => typeof x[labelKey] === 'string' && x[labelKey] !== '');
}

export async function remoteDetect(opts: RemoteOptions, text: string, top: number, signal?: AbortSignal): Promise<LanguageResult[]> {
  const out =
    opts.protocol === 'v2'
      ? await v2Infer(opts, opts.modelName ?? 'langid', 'detectedLanguage', text, { top }, signal)
      : await post<unknown>(opts, 'v1/language:detect', { text, top }, signal);
  return checkArray<LanguageResult>(out, (x) => typeof x.detectedLanguage === 'string' && typeof x.confidence === 'number', 'language detection').map((x) => ({
    detectedLanguage: x.detectedLanguage,
    confidence: x.confidence,
  }));
}

export async function remoteSuggest(opts: RemoteOptions, text: string, count: number, maxWords: number, signal?: AbortSignal): Promise<SuggestionResult[]> {
  const out =
    opts.protocol === 'v2'
      ? await v2Infer(opts, opts.modelName ?? 'suggest', 'text', text, { count, maxWords }, signal)
      : await post<unknown>(opts, 'v1/text:suggest', { text, count, maxWords }, signal);
  return checkArray<SuggestionResult>(out, (x) => typeof x.text === 'string' && typeof x.confidence === 'number', 'text suggestion').map((x) => ({
    text: x.text,
    confidence: x.confidence,
  }));
}

/** True when GET /v2/health/ready answers 200 within `timeoutMs`. */
export async function serverReady(opts: RemoteOptions, timeoutMs = 2000): Promise<boolean> {
  try {
    const url = new URL('v2/health/ready', opts.serverUrl.endsWith('/') ? opts.serverUrl : `${opts.serverUrl}/`).href;
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
