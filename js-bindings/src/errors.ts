// Every error perch throws is a PerchError subclass whose message says what to do next.

export class PerchError extends Error {
  override name = 'PerchError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The environment cannot do what was asked (no WebAssembly, no server configured, ...). */
export class NotSupportedError extends PerchError {
  override name = 'NotSupportedError';
}

/** A wasm build could not be fetched or instantiated. */
export class WasmLoadError extends PerchError {
  override name = 'WasmLoadError';
}

/** A model could not be downloaded (network, HTTP status, aborted transfer). */
export class ModelDownloadError extends PerchError {
  override name = 'ModelDownloadError';
}

/** Downloaded or cached bytes do not match the SHA-256 (or size) of the model manifest. */
export class ModelIntegrityError extends PerchError {
  override name = 'ModelIntegrityError';
}

/** The engine rejected a model or a call; `code` is the C ABI status name (e.g. "InvalidModel"). */
export class EngineError extends PerchError {
  override name = 'EngineError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** A caller passed something wrong (type, shape, option). */
export class InvalidInputError extends PerchError {
  override name = 'InvalidInputError';
}

/** The perch server answered with an error or could not be reached. */
export class RemoteError extends PerchError {
  override name = 'RemoteError';
  readonly status: number;
  /**
   * The server is unusable rather than refusing this call: unreachable (status 0), failing
   * (5xx), or answering what no perch server would (a body that is not JSON, such as a proxy's
   * HTML error page, or JSON of the wrong shape). 'auto' placement falls back to local then.
   */
  readonly unusable: boolean;
  constructor(message: string, status = 0, options?: { cause?: unknown; unusable?: boolean }) {
    super(message, options);
    this.status = status;
    this.unusable = options?.unusable ?? (status === 0 || status >= 500);
  }
}

/** The task or model was used after destroy(). */
export class DestroyedError extends PerchError {
  override name = 'DestroyedError';
  constructor(what: string) {
    super(`${what} was destroyed; create a new one with ${what}.create()`);
  }
}

/**
 * What the Language Detector API rejects with: a DOMException with this name (AbortError,
 * NotSupportedError, NotAllowedError, ...). Aborts reject with the signal's own `reason`.
 */
export function domException(name: string, message: string): DOMException {
  return new DOMException(message, name);
}

/** Throws the signal's reason as is (a DOMException "AbortError" unless the caller gave one). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

interface QuotaExceededErrorOptions {
  quota?: number;
  requested?: number;
}

/**
 * Web IDL's QuotaExceededError (a DOMException with `quota` and `requested`), for runtimes that
 * lack it (Node, older browsers). Where the platform has one, `quotaExceededError()` uses it.
 */
export class PerchQuotaExceededError extends DOMException {
  readonly #quota: number | null;
  readonly #requested: number | null;
  constructor(message = '', options: QuotaExceededErrorOptions = {}) {
    super(message, 'QuotaExceededError');
    this.#quota = options.quota ?? null;
    this.#requested = options.requested ?? null;
  }
  get quota(): number | null {
    return this.#quota;
  }
  get requested(): number | null {
    return this.#requested;
  }
}
Object.defineProperty(PerchQuotaExceededError, 'name', { value: 'QuotaExceededError' });

type QuotaCtor = new (message?: string, options?: QuotaExceededErrorOptions) => DOMException & { quota: number | null; requested: number | null };

/** The QuotaExceededError constructor in use: the platform's, else perch's. */
export function quotaExceededErrorClass(): QuotaCtor {
  const native = (globalThis as { QuotaExceededError?: QuotaCtor }).QuotaExceededError;
  return native ?? (PerchQuotaExceededError as unknown as QuotaCtor);
}

export function quotaExceededError(requested: number, quota: number, message: string): DOMException {
  const Ctor = quotaExceededErrorClass();
  return new Ctor(message, { requested, quota });
}
