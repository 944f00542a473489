// Errors that cross a worker boundary. structuredClone keeps an Error's message but drops its
// subclass and custom fields, so both sides convert explicitly: name, message and code survive.

export type ErrorCode =
  | 'CANCELLED' // the caller aborted; the worker stopped at its next checkpoint
  | 'BAD_REQUEST' // params failed validation (the message names the field)
  | 'UNKNOWN_METHOD'
  | 'BACKEND_UNAVAILABLE' // the requested backend could not initialise
  | 'WORKER_CRASHED' // the worker script failed to load or threw outside a request
  | 'NOT_FOUND' // a model file is missing (HTTP 404, or not among the picked files)
  | 'BAD_MODEL' // not a BART model, or the checkpoint / tokenizer does not fit its config.json
  | 'NETWORK' // the download failed or broke off
  | 'QUOTA' // the browser refused to store more
  | 'NO_MODEL' // the request needs a loaded model and none is
  | 'MODEL_MISMATCH' // an artifact was made for another model; the request may be retried with its override
  | 'INTERNAL'; // anything else thrown while handling a request

export interface WireError {
  name: string;
  message: string;
  code: ErrorCode;
  stack?: string;
}

export class EngineError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, name?: string) {
    super(message);
    this.code = code;
    // Cancellation looks like any other abort to callers that check `name === 'AbortError'`.
    this.name = name ?? (code === 'CANCELLED' ? 'AbortError' : 'EngineError');
  }
}

export function isCancelled(error: unknown): boolean {
  return error instanceof EngineError && error.code === 'CANCELLED';
}

export function toWireError(error: unknown, fallbackCode: ErrorCode = 'INTERNAL'): WireError {
  if (error instanceof EngineError) {
    return { name: error.name, message: error.message, code: error.code, ...stackOf(error) };
  }
  if (error instanceof Error) {
    return { name: error.name, message: error.message, code: fallbackCode, ...stackOf(error) };
  }
  return { name: 'Error', message: String(error), code: fallbackCode };
}

export function fromWireError(wire: WireError): EngineError {
  const error = new EngineError(wire.code, wire.message, wire.name);
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

function stackOf(error: Error): { stack?: string } {
  return error.stack === undefined ? {} : { stack: error.stack };
}
