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
  constructor(message: string, status = 0, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

/** The task or model was used after destroy(). */
export class DestroyedError extends PerchError {
  override name = 'DestroyedError';
  constructor(what: string) {
    super(`${what} was destroyed; create a new one with ${what}.create()`);
  }
}

/** The signal given to a call was aborted (same name as the DOMException browsers use). */
export class AbortError extends PerchError {
  override name = 'AbortError';
  constructor(reason?: unknown) {
    super('the operation was aborted by its AbortSignal', { cause: reason });
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}
