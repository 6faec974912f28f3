import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ArenaError, httpStatusFor, type ErrorBody } from '@arena/contracts';
import type { Response } from 'express';
import { createLogger } from '../logging/logger.js';

/** One mapping from error codes to HTTP answers: `{ error: { code, message } }`. */
@Catch()
export class ArenaErrorFilter implements ExceptionFilter {
  private readonly logger = createLogger(ArenaErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    let status: number;
    let body: ErrorBody;
    if (exception instanceof ArenaError) {
      status = httpStatusFor(exception.code);
      body = exception.toBody();
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      body = {
        code: status === 404 ? 'not_found' : status < 500 ? 'invalid_input' : 'internal',
        message: exception.message,
      };
    } else {
      this.logger.error({ err: exception }, 'request failed');
      status = 500;
      body = { code: 'internal', message: 'something went wrong on the server' };
    }
    response.status(status).json({ error: body });
  }
}
