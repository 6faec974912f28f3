import type { ModelSpec } from './models-file.js';
import { AnthropicProvider } from './providers/anthropic.provider.js';
import { DemoProvider } from './providers/demo.provider.js';
import { OpenAiProvider } from './providers/openai.provider.js';
import type { ModelProvider } from './providers/provider.js';
import { ReplayIndex } from './providers/replay-index.js';
import { ReplayProvider } from './providers/replay.provider.js';

/** The key named by `apiKeyEnv`, read from the environment at start-up (never stored, never sent to clients). */
function apiKeyOf(spec: ModelSpec): string | undefined {
  if (!spec.apiKeyEnv) return undefined;
  const key = process.env[spec.apiKeyEnv];
  if (!key) throw new Error(`model ${spec.id}: environment variable ${spec.apiKeyEnv} is not set`);
  return key;
}

/** The provider of one configured model (replay indexes shared between models reading the same files). */
export async function createProvider(
  spec: ModelSpec,
  replayIndexes: Map<string, Promise<ReplayIndex>>,
): Promise<ModelProvider> {
  switch (spec.provider) {
    case 'demo':
      return new DemoProvider(spec.style ?? 'javascript', spec.tokensPerSecond ?? 100);
    case 'replay': {
      const key = `${spec.answersFile}\n${spec.questionsFile}`;
      let index = replayIndexes.get(key);
      if (!index) {
        index = ReplayIndex.load(spec.answersFile!, spec.questionsFile!);
        replayIndexes.set(key, index);
      }
      return new ReplayProvider(await index, spec.tokensPerSecond ?? 60);
    }
    case 'openai': {
      const apiKey = spec.apiKeyEnv ? process.env[spec.apiKeyEnv] : undefined;
      if (spec.apiKeyEnv && !apiKey)
        throw new Error(`model ${spec.id}: environment variable ${spec.apiKeyEnv} is not set`);
      return new OpenAiProvider({ baseUrl: spec.baseUrl!, model: spec.model!, ...(apiKey ? { apiKey } : {}) });
    }
    case 'anthropic': {
      const apiKey = apiKeyOf(spec);
      return new AnthropicProvider({
        baseUrl: spec.baseUrl ?? 'https://api.anthropic.com',
        model: spec.model!,
        ...(apiKey ? { apiKey } : {}),
      });
    }
  }
}
