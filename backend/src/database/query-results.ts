import { QueryFailedError } from 'typeorm';

/**
 * The rows of an `UPDATE`/`DELETE`/`INSERT … RETURNING` run through `DataSource.query`: TypeORM's postgres
 * driver answers those with `[rows, count]`, a `SELECT`-shaped statement with the rows alone.
 */
export function returnedRows<T>(result: unknown[]): T[] {
  return (Array.isArray(result[0]) ? result[0] : result) as T[];
}

/** Whether a query failed on a unique constraint (by its name, or PostgreSQL's duplicate-key message). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  return (
    error instanceof QueryFailedError && (error.message.includes(constraint) || /duplicate key/.test(error.message))
  );
}
