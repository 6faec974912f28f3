import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeBehaviour =
  | { kind: 'stream'; text: string; chunkSize?: number; delayMs?: number; finishReason?: string }
  | { kind: 'cut'; text: string; afterChunks: number; chunkSize?: number }
  | { kind: 'error'; status: number; body: string }
  | { kind: 'midstream-error'; text: string; afterChunks: number }
  | { kind: 'hang' }
  /** Streams whatever `reply` answers to the request's messages (a judge that reads its prompt). */
  | { kind: 'reply'; reply: (messages: { role: string; content: string }[]) => string; delayMs?: number };

export interface FakeRequest {
  path: string;
  model: string;
  messages: unknown;
  system?: unknown;
  stream: boolean;
  authorization: string | undefined;
  apiKey: string | undefined;
  anthropicVersion: string | undefined;
}

export interface FakeLlm {
  /** Base URL for an `openai` model (…/v1). */
  openaiUrl: string;
  /** API root for an `anthropic` model. */
  anthropicUrl: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

type Protocol = 'openai' | 'anthropic';

/** Frames of each protocol's streaming format. */
const FRAMES: Record<
  Protocol,
  {
    start(model: string): string[];
    text(t: string): string;
    end(finish: string, tokens: number): string[];
    error(): string;
  }
> = {
  openai: {
    start: () => [],
    text: (content) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`,
    end: (finish, tokens) => [
      `data: ${JSON.stringify({ id: 'chatcmpl-1', choices: [{ index: 0, delta: {}, finish_reason: finish }] })}\n\n`,
      `data: ${JSON.stringify({ id: 'chatcmpl-1', choices: [], usage: { completion_tokens: tokens } })}\n\n`,
      'data: [DONE]\n\n',
    ],
    error: () => `data: ${JSON.stringify({ error: { message: 'overloaded' } })}\n\n`,
  },
  anthropic: {
    start: (model) => [
      `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_1', model, content: [] } })}\n\n`,
      `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n`,
      `event: ping\ndata: ${JSON.stringify({ type: 'ping' })}\n\n`,
    ],
    text: (text) =>
      `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })}\n\n`,
    end: (finish, tokens) => [
      `event: content_block_stop\ndata: ${JSON.stringify({ type: 'content_block_stop', index: 0 })}\n\n`,
      `event: message_delta\ndata: ${JSON.stringify({ type: 'message_delta', delta: { stop_reason: finish === 'length' ? 'max_tokens' : 'end_turn' }, usage: { output_tokens: tokens } })}\n\n`,
      `event: message_stop\ndata: ${JSON.stringify({ type: 'message_stop' })}\n\n`,
    ],
    error: () =>
      `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`,
  },
};

/**
 * A real HTTP server speaking OpenAI's chat-completions SSE (`/v1/chat/completions`) and Anthropic's
 * Messages SSE (`/v1/messages`); what each model does is chosen per model name.
 */
export async function startFakeLlm(behaviours: Record<string, FakeBehaviour>): Promise<FakeLlm> {
  const requests: FakeRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const protocol: Protocol | undefined =
        req.url === '/v1/chat/completions' ? 'openai' : req.url === '/v1/messages' ? 'anthropic' : undefined;
      if (req.method !== 'POST' || !protocol) {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw) as { model: string; messages: unknown; system?: unknown; stream: boolean };
      requests.push({
        path: req.url!,
        ...body,
        authorization: req.headers.authorization,
        apiKey: req.headers['x-api-key'] as string | undefined,
        anthropicVersion: req.headers['anthropic-version'] as string | undefined,
      });
      const configured = behaviours[body.model];
      const resolved: Exclude<FakeBehaviour, { kind: 'reply' }> | undefined =
        configured?.kind === 'reply'
          ? {
              kind: 'stream',
              text: configured.reply(body.messages as { role: string; content: string }[]),
              chunkSize: 40,
              ...(configured.delayMs !== undefined ? { delayMs: configured.delayMs } : {}),
            }
          : configured;
      const behaviour: Exclude<FakeBehaviour, { kind: 'reply' }> = resolved ?? {
        kind: 'error',
        status: 404,
        body: `{"error":{"message":"model ${body.model} not found"}}`,
      };
      if (behaviour.kind === 'error') {
        res.writeHead(behaviour.status, { 'content-type': 'application/json' }).end(behaviour.body);
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      if (behaviour.kind === 'hang') return;
      const frames = FRAMES[protocol];
      for (const frame of frames.start(body.model)) res.write(frame);
      const size = behaviour.kind === 'midstream-error' ? 7 : (behaviour.chunkSize ?? 7);
      const pieces: string[] = [];
      for (let i = 0; i < behaviour.text.length; i += size) pieces.push(behaviour.text.slice(i, i + size));
      const delay = behaviour.kind === 'stream' ? (behaviour.delayMs ?? 2) : 2;
      let i = 0;
      const tick = (): void => {
        if (behaviour.kind === 'cut' && i >= behaviour.afterChunks) {
          res.socket?.destroy();
          return;
        }
        if (behaviour.kind === 'midstream-error' && i >= behaviour.afterChunks) {
          res.end(frames.error());
          return;
        }
        if (i < pieces.length) {
          res.write(frames.text(pieces[i]!));
          i += 1;
          setTimeout(tick, delay);
          return;
        }
        const finish = behaviour.kind === 'stream' ? (behaviour.finishReason ?? 'stop') : 'stop';
        for (const frame of frames.end(finish, pieces.length)) res.write(frame);
        res.end();
      };
      tick();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    openaiUrl: `http://127.0.0.1:${port}/v1`,
    anthropicUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
