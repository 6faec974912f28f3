import type { z } from 'zod';
import { ArenaError } from './errors.js';

/** How much of a validation message is sent back: an error never echoes a large input. */
const MAX_MESSAGE_CHARS = 300;
/** Deeper than any payload of the protocol: a deeper one is refused before it is walked further. */
const MAX_DEPTH = 32;

/**
 * Parse untrusted input; a failure becomes `invalid_input` naming the first wrong field. Text with a NUL
 * character is refused wherever it is (PostgreSQL cannot store it, and no prompt, name or program needs it).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'payload'): z.infer<S> {
  const nul = findNul(input, what);
  if (nul) throw new ArenaError('invalid_input', clip(`${nul}: must not contain NUL characters`));
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.join('.') : what;
  const message = issue ? issue.message : 'invalid';
  throw new ArenaError('invalid_input', clip(`${path}: ${message}`));
}

/** The path of the first string (value or key) holding U+0000, or of a value nested too deep; else null. */
function findNul(input: unknown, what: string): string | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: input, path: what, depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
    } else if (typeof value === 'object' && value !== null) {
      if (depth >= MAX_DEPTH) throw new ArenaError('invalid_input', `${clip(path)}: nested too deeply`);
      for (const [key, child] of Object.entries(value)) {
        const at = path === what ? key : `${path}.${key}`;
        if (key.includes('\u0000')) return clip(path);
        stack.push({ value: child, path: at, depth: depth + 1 });
      }
    }
  }
  return null;
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}
