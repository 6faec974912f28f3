import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { CONTEXT_FULL_MESSAGE, ProviderError, abortError } from './provider.js';

/** What an event handler tells the reader: keep going, or the stream is complete. */
export type SseVerdict = 'continue' | 'done';

/**
 * POST a JSON body to a streaming endpoint and feed its server-sent events to `onEvent` until it says
 * `done`. Failures become ProviderErrors whose public message never names the model or the endpoint;
 * a stream that ends before `done` is `stream_cut` unless `endedCleanly()` says the answer was complete.
 */
export async function streamSse(options: {
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal;
  connectTimeoutMs?: number;
  onEvent: (event: EventSourceMessage) => SseVerdict;
  endedCleanly?: () => boolean;
}): Promise<void> {
  const { url, signal } = options;
  const connect = AbortSignal.timeout(options.connectTimeoutMs ?? 60_000);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...options.headers },
      body: JSON.stringify(options.body),
      signal: AbortSignal.any([signal, connect]),
    });
  } catch (error) {
    if (signal.aborted) throw abortError(signal);
    if (connect.aborted)
      throw new ProviderError('timeout', `no response from ${url}`, "the model's service did not answer in time");
    throw new ProviderError(
      'network',
      `request to ${url} failed: ${String(error)}`,
      "the model's service could not be reached",
    );
  }
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '');
    // OpenAI-compatible servers say `context_length_exceeded` (or "maximum context length"), Anthropic "prompt is too long".
    if (response.status === 400 && /context_length_exceeded|maximum context length|prompt is too long/i.test(text)) {
      throw new ProviderError('context_length', `HTTP 400 from ${url}: ${text.slice(0, 500)}`, CONTEXT_FULL_MESSAGE);
    }
    throw new ProviderError(
      'http',
      `HTTP ${response.status} from ${url}: ${text.slice(0, 500)}`,
      `the model's service answered with an error (HTTP ${response.status})`,
    );
  }

  let done = false;
  let failure: Error | undefined;
  const parser = createParser({
    onEvent: (event) => {
      if (done || failure) return;
      try {
        if (options.onEvent(event) === 'done') done = true;
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
    },
  });
  const decoder = new TextDecoder();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const onAbort = (): void => {
    void reader.cancel().catch(() => undefined);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      parser.feed(decoder.decode(value, { stream: true }));
      if (failure) throw failure;
      if (done) break;
    }
  } catch (error) {
    if (signal.aborted) throw abortError(signal);
    if (error instanceof ProviderError) throw error;
    throw new ProviderError(
      'stream_cut',
      `stream from ${url} failed: ${String(error)}`,
      "the model's service stopped mid-answer",
    );
  } finally {
    signal.removeEventListener('abort', onAbort);
    void reader.cancel().catch(() => undefined);
  }
  if (signal.aborted) throw abortError(signal);
  if (!done && !(options.endedCleanly?.() ?? false)) {
    throw new ProviderError(
      'stream_cut',
      `stream from ${url} ended before it was complete`,
      "the model's service stopped mid-answer",
    );
  }
}

export function parseEventData<T>(event: EventSourceMessage): T {
  try {
    return JSON.parse(event.data) as T;
  } catch {
    throw new ProviderError(
      'bad_response',
      `unparseable SSE data: ${event.data.slice(0, 200)}`,
      "the model's service sent a malformed answer",
    );
  }
}
