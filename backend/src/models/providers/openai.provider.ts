import {
  openAiContent,
  ProviderError,
  type GenerateRequest,
  type GenerateResult,
  type ModelProvider,
} from './provider.js';
import { parseEventData, streamSse } from './sse-request.js';

export interface OpenAiProviderOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Time allowed for the response headers. */
  connectTimeoutMs?: number;
}

interface Chunk {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { completion_tokens?: number } | null;
  error?: { message?: string };
}

/** Any OpenAI-compatible `/chat/completions` endpoint with SSE streaming (OpenAI, vLLM, Ollama, llama.cpp…). */
export class OpenAiProvider implements ModelProvider {
  constructor(private readonly options: OpenAiProviderOptions) {}

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    let finishReason: string | undefined;
    let outputTokens: number | undefined;
    await streamSse({
      url: `${this.options.baseUrl.replace(/\/+$/, '')}/chat/completions`,
      headers: this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {},
      body: {
        model: this.options.model,
        messages: request.messages.map((m) => ({ role: m.role, content: openAiContent(m) })),
        stream: true,
        stream_options: { include_usage: true },
        ...(request.maxTokens ? { max_tokens: request.maxTokens } : {}),
      },
      signal: request.signal,
      ...(this.options.connectTimeoutMs ? { connectTimeoutMs: this.options.connectTimeoutMs } : {}),
      onEvent: (event) => {
        if (event.data.trim() === '[DONE]') return 'done';
        const chunk = parseEventData<Chunk>(event);
        if (chunk.error) {
          throw new ProviderError(
            'http',
            `stream error: ${chunk.error.message ?? 'unknown'}`,
            "the model's service reported an error mid-answer",
          );
        }
        const choice = chunk.choices?.[0];
        if (choice?.delta?.content) request.onText(choice.delta.content);
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        if (chunk.usage?.completion_tokens !== undefined) outputTokens = chunk.usage.completion_tokens;
        return 'continue';
      },
      // Some servers close the stream after the finish reason without sending [DONE].
      endedCleanly: () => finishReason !== undefined,
    });
    const result: GenerateResult = { finishReason: finishReason === 'length' ? 'length' : 'stop' };
    if (outputTokens !== undefined) result.outputTokens = outputTokens;
    return result;
  }
}
