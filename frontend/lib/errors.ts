import type { ErrorCode } from '@arena/contracts';

/** An error the server answered with (REST body or socket ack): its code says what the visitor can do. */
export class ArenaRequestError extends Error {
  constructor(
    readonly code: ErrorCode | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ArenaRequestError';
  }
}

/** An ArenaRequestError's code, or the code of an ack's `error` (`{ code, message }`). */
export function errorCodeOf(error: unknown): ErrorCode | undefined {
  if (error instanceof ArenaRequestError) return error.code;
  if (typeof error === 'object' && error !== null && 'code' in error) return (error as { code: ErrorCode }).code;
  return undefined;
}

export function errorMessageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

/** Codes whose server message is not for a visitor: plain words instead. Other codes keep the server's. */
const PLAIN: Partial<Record<ErrorCode, string>> = {
  rate_limited: 'Too many requests in a short time. Wait a moment and try again.',
  unavailable: 'The arena cannot do that right now. Try again in a moment.',
  internal: 'Something went wrong on the server. Try again in a moment.',
};

/**
 * The words to show for a failed action (an Error or an ack's `{ code, message }`): the server's own for
 * what the visitor can fix, minus the schema paths zod puts in front (`prompt: …`); plain words otherwise.
 */
export function actionMessage(error: unknown): string {
  const code = errorCodeOf(error);
  return (code && PLAIN[code]) ?? errorMessageOf(error).replace(/^[\w.]+: /, '');
}
