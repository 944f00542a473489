// Errors that cross the worker boundary. structuredClone keeps an Error's message but drops its
// subclass and custom fields, so both sides convert explicitly: name, message and code survive.
import type { ErrorCode, WireError } from './messages';

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
