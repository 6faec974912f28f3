import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { loggedError } from './logger.js';

describe('loggedError', () => {
  it('leaves out the parameters, message and detail of a database error (they quote requests’ values)', () => {
    const driver = Object.assign(new Error('invalid input syntax for type uuid: "secret-value"'), {
      code: '22P02',
      severity: 'ERROR',
      routine: 'string_to_uuid',
      detail: 'Key (id)=(secret-value)',
    });
    const error = new QueryFailedError('SELECT * FROM battles WHERE id = $1', ['secret-value'], driver);
    const logged = loggedError(error);
    expect(JSON.stringify(logged)).not.toContain('secret-value');
    expect(logged).toMatchObject({ code: '22P02', query: 'SELECT * FROM battles WHERE id = $1' });
    expect(JSON.stringify(loggedError(driver))).not.toContain('secret-value');
  });

  it('keeps other errors whole', () => {
    expect(loggedError(new Error('the sandbox pool is empty'))).toMatchObject({
      type: 'Error',
      message: 'the sandbox pool is empty',
    });
  });
});
