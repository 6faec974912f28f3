import { streamPaced } from './paced-stream.js';
import type { GenerateRequest, GenerateResult, ModelProvider } from './provider.js';
import type { ReplayIndex } from './replay-index.js';

/** Streams recorded real answers as if the model were generating them. */
export class ReplayProvider implements ModelProvider {
  constructor(
    private readonly index: ReplayIndex,
    private readonly tokensPerSecond: number,
  ) {}

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const prompt = [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const match = this.index.find(prompt);
    const outputTokens = await streamPaced(match.answer, this.tokensPerSecond, request.signal, request.onText);
    return {
      finishReason: 'stop',
      outputTokens,
      meta: { replay: { uid: match.uid, match: match.match, similarity: Number(match.similarity.toFixed(4)) } },
    };
  }
}
