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
    const users = request.messages.filter((m) => m.role === 'user').map((m) => m.content);
    const match = this.index.findInConversation(users);
    const outputTokens = await streamPaced(match.answer, this.tokensPerSecond, request.signal, request.onText);
    return {
      finishReason: 'stop',
      outputTokens,
      meta: {
        replay: {
          uid: match.uid,
          match: match.match,
          similarity: Number(match.similarity.toFixed(4)),
          // A follow-up not found in a recorded conversation is answered by its own prompt's nearest recording.
          ...(users.length > 1 && match.match !== 'conversation' ? { followup: 'nearest-prompt' } : {}),
        },
      },
    };
  }
}
