import { demoAnswer, demoFollowup, type DemoStyle } from './demo-answers.js';
import { streamPaced } from './paced-stream.js';
import type { GenerateRequest, GenerateResult, ModelProvider } from './provider.js';

/** Built-in scripted models that need nothing: no network, no data files. */
export class DemoProvider implements ModelProvider {
  constructor(
    private readonly style: DemoStyle,
    private readonly tokensPerSecond: number,
  ) {}

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const asked = request.messages.filter((m) => m.role === 'user').map((m) => m.content);
    const first = asked[0] ?? '';
    const text =
      asked.length > 1
        ? demoFollowup(this.style, first, asked[asked.length - 1]!, asked.length - 1)
        : demoAnswer(this.style, first);
    const outputTokens = await streamPaced(text, this.tokensPerSecond, request.signal, request.onText);
    return { finishReason: 'stop', outputTokens };
  }
}
