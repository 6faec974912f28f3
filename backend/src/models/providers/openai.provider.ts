import { createParser, type EventSourceMessage } from 'eventsource-parser';
import {
  ProviderError,
  abortError,
  type GenerateRequest,
  type GenerateResult,
  type ModelProvider,
} from './provider.js';

export interface OpenAiProviderOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Time allowed for the response headers. */
  connectTimeoutMs?: number;
}

interface ChunkChoice {
  delta?: { content?: string | null };
  finish_reason?: string | null;
}
interface Chunk {
  choices?: ChunkChoice[];
  usage?: { completion_tokens?: number } | null;
  error?: { message?: string };
}

/** Any OpenAI-compatible `/chat/completions` endpoint with SSE streaming (OpenAI, vLLM, Ollama, llama.cpp…). */
export class OpenAiProvider implements ModelProvider {
  constructor(private readonly options: OpenAiProviderOptions) {}

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
    if (this.options.apiKey) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    const connect = AbortSignal.timeout(this.options.connectTimeoutMs ?? 60_000);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          model: this.options.model,
          messages: request.messages,
          stream: true,
          stream_options: { include_usage: true },
          ...(request.maxTokens ? { max_tokens: request.maxTokens } : {}),
        }),
        signal: AbortSignal.any([request.signal, connect]),
      });
    } catch (error) {
      if (request.signal.aborted) throw abortError(request.signal);
      if (connect.aborted)
        throw new ProviderError('timeout', `no response from ${url}`, "the model's service did not answer in time");
      throw new ProviderError(
        'network',
        `request to ${url} failed: ${String(error)}`,
        "the model's service could not be reached",
      );
    }
    if (!response.ok || !response.body) {
      const body = await response.text().catch(() => '');
      throw new ProviderError(
        'http',
        `HTTP ${response.status} from ${url}: ${body.slice(0, 500)}`,
        `the model's service answered with an error (HTTP ${response.status})`,
      );
    }

    let finishReason: string | undefined;
    let outputTokens: number | undefined;
    let done = false;
    let failure: ProviderError | undefined;
    const parser = createParser({
      onEvent: (event: EventSourceMessage) => {
        if (done || failure) return;
        if (event.data.trim() === '[DONE]') {
          done = true;
          return;
        }
        let chunk: Chunk;
        try {
          chunk = JSON.parse(event.data) as Chunk;
        } catch {
          failure = new ProviderError(
            'bad_response',
            `unparseable SSE data: ${event.data.slice(0, 200)}`,
            "the model's service sent a malformed answer",
          );
          return;
        }
        if (chunk.error) {
          failure = new ProviderError(
            'http',
            `stream error: ${chunk.error.message ?? 'unknown'}`,
            "the model's service reported an error mid-answer",
          );
          return;
        }
        const choice = chunk.choices?.[0];
        const text = choice?.delta?.content;
        if (text) request.onText(text);
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        if (chunk.usage?.completion_tokens !== undefined) outputTokens = chunk.usage.completion_tokens;
      },
    });
    const decoder = new TextDecoder();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const onAbort = (): void => {
      void reader.cancel().catch(() => undefined);
    };
    request.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        parser.feed(decoder.decode(value, { stream: true }));
        if (failure) throw failure;
        if (done) break;
      }
    } catch (error) {
      if (request.signal.aborted) throw abortError(request.signal);
      if (error instanceof ProviderError) throw error;
      throw new ProviderError(
        'stream_cut',
        `stream from ${url} failed: ${String(error)}`,
        "the model's service stopped mid-answer",
      );
    } finally {
      request.signal.removeEventListener('abort', onAbort);
      void reader.cancel().catch(() => undefined);
    }
    if (request.signal.aborted) throw abortError(request.signal);
    if (!done && !finishReason) {
      throw new ProviderError(
        'stream_cut',
        `stream from ${url} ended before [DONE]`,
        "the model's service stopped mid-answer",
      );
    }
    const result: GenerateResult = { finishReason: finishReason === 'length' ? 'length' : 'stop' };
    if (outputTokens !== undefined) result.outputTokens = outputTokens;
    return result;
  }
}
