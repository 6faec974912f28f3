/** Error codes shared by socket acknowledgements and REST answers (protocol.md). */
export const ERROR_CODES = [
  'invalid_input',
  'not_found',
  'rate_limited',
  'already_voted',
  'not_allowed',
  'unavailable',
  'internal',
  /** REST only: an admin route without the right token (`Authorization: Bearer <ARENA_ADMIN_TOKEN>`). */
  'unauthorized',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** An error as a value: thrown inside the server, turned into an ack or an HTTP answer at the edge. */
export class ArenaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ArenaError';
  }

  /** The error as sent to clients: a message that quotes an input never echoes more than 300 characters of it. */
  toBody(): ErrorBody {
    const message = this.message.length > 300 ? `${this.message.slice(0, 300)}…` : this.message;
    return { code: this.code, message };
  }
}

export function assertUnreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}

export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'invalid_input':
      return 400;
    case 'not_found':
      return 404;
    case 'rate_limited':
      return 429;
    case 'already_voted':
      return 409;
    case 'not_allowed':
      return 403;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
    case 'unauthorized':
      return 401;
    default:
      return assertUnreachable(code);
  }
}
