import type { FinishReason } from '@arena/contracts';

/** A piece of a message for a model that reads pictures: text, or a JPEG (base64). */
export type ChatPart = { type: 'text'; text: string } | { type: 'image'; jpegBase64: string };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** Present: the message as text and pictures in this order (`content` is its text alone). */
  parts?: ChatPart[];
}

/** OpenAI's content of a message: its text, or parts with pictures as `image_url` data URLs. */
export function openAiContent(message: ChatMessage): string | Record<string, unknown>[] {
  if (!message.parts) return message.content;
  return message.parts.map((part) =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${part.jpegBase64}` } },
  );
}

/** Anthropic's content of a message: its text, or text and base64 image blocks. */
export function anthropicContent(message: ChatMessage): string | Record<string, unknown>[] {
  if (!message.parts) return message.content;
  return message.parts.map((part) =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: part.jpegBase64 } },
  );
}

export interface GenerateRequest {
  messages: ChatMessage[];
  signal: AbortSignal;
  maxTokens?: number;
  /** Called with each piece of text as it arrives. */
  onText: (text: string) => void;
}

export interface GenerateResult {
  finishReason: Extract<FinishReason, 'stop' | 'length'>;
  outputTokens?: number;
  /** Provider facts kept with the answer (never sent to clients before the reveal). */
  meta?: Record<string, unknown>;
}

/** A source of streamed model answers. Throws `ProviderError` on failure, `AbortError` when cancelled. */
export interface ModelProvider {
  generate(request: GenerateRequest): Promise<GenerateResult>;
}

export type ProviderErrorKind =
  'http' | 'stream_cut' | 'timeout' | 'network' | 'bad_response' | 'config' | 'context_length' | 'too_long';

/** What anyone may be told when a conversation no longer fits a model's context (names no model). */
export const CONTEXT_FULL_MESSAGE = 'the conversation no longer fits this model’s context; vote on it as it stands';

/**
 * A failure of the model's service. `publicMessage` may be shown to anyone: it never names the model,
 * its provider or its endpoint; `message` keeps the detail for the operators' logs.
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly publicMessage: string,
  ) {
    super(message);
  }
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('The generation was cancelled', 'AbortError');
}

/** Resolve after `ms`, or reject as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
