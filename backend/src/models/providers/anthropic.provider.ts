import {
  anthropicContent,
  ProviderError,
  type GenerateRequest,
  type GenerateResult,
  type ModelProvider,
} from './provider.js';
import { parseEventData, streamSse } from './sse-request.js';

export interface AnthropicProviderOptions {
  /** API root, e.g. https://api.anthropic.com (the provider posts to `/v1/messages`). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  maxTokens?: number;
  connectTimeoutMs?: number;
}

interface MessageEvent {
  type: string;
  delta?: { type?: string; text?: string; stop_reason?: string | null };
  usage?: { output_tokens?: number };
  error?: { type?: string; message?: string };
}

/** Anthropic's Messages API with streaming (`content_block_delta` text events until `message_stop`). */
export class AnthropicProvider implements ModelProvider {
  constructor(private readonly options: AnthropicProviderOptions) {}

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
    let stopReason: string | undefined;
    let outputTokens: number | undefined;
    await streamSse({
      url: `${this.options.baseUrl.replace(/\/+$/, '')}/v1/messages`,
      headers: {
        'anthropic-version': '2023-06-01',
        ...(this.options.apiKey ? { 'x-api-key': this.options.apiKey } : {}),
      },
      body: {
        model: this.options.model,
        max_tokens: request.maxTokens ?? this.options.maxTokens ?? 8_192,
        stream: true,
        ...(system.length ? { system: system.join('\n\n') } : {}),
        messages: request.messages
          .filter((m) => m.role !== 'system')
          .map((m) => ({ role: m.role, content: anthropicContent(m) })),
      },
      signal: request.signal,
      ...(this.options.connectTimeoutMs ? { connectTimeoutMs: this.options.connectTimeoutMs } : {}),
      onEvent: (event) => {
        const data = parseEventData<MessageEvent>(event);
        switch (data.type) {
          case 'content_block_delta':
            if (data.delta?.type === 'text_delta' && data.delta.text) request.onText(data.delta.text);
            return 'continue';
          case 'message_delta':
            if (data.delta?.stop_reason) stopReason = data.delta.stop_reason;
            if (data.usage?.output_tokens !== undefined) outputTokens = data.usage.output_tokens;
            return 'continue';
          case 'message_stop':
            return 'done';
          case 'error':
            throw new ProviderError(
              'http',
              `stream error: ${data.error?.type ?? ''} ${data.error?.message ?? ''}`,
              "the model's service reported an error mid-answer",
            );
          default:
            return 'continue';
        }
      },
    });
    const result: GenerateResult = { finishReason: stopReason === 'max_tokens' ? 'length' : 'stop' };
    if (outputTokens !== undefined) result.outputTokens = outputTokens;
    return result;
  }
}
