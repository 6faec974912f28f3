import type { z } from 'zod';
import { ArenaError } from './errors.js';

/** Parse untrusted input; a failure becomes `invalid_input` naming the first wrong field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'payload'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.join('.') : what;
  const message = issue ? issue.message : 'invalid';
  throw new ArenaError('invalid_input', `${path}: ${message}`);
}
