import { demoAnswer, type DemoStyle } from './demo-answers.js';
import { streamPaced } from './paced-stream.js';
import type { GenerateRequest, GenerateResult, ModelProvider } from './provider.js';

/** Built-in scripted models that need nothing: no network, no data files. */
export class DemoProvider implements ModelProvider {
  constructor(
    private readonly style: DemoStyle,
    private readonly tokensPerSecond: number,
  ) {}

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const prompt = [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const outputTokens = await streamPaced(
      demoAnswer(this.style, prompt),
      this.tokensPerSecond,
      request.signal,
      request.onText,
    );
    return { finishReason: 'stop', outputTokens };
  }
}
