import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeBehaviour =
  | { kind: 'stream'; text: string; chunkSize?: number; delayMs?: number; finishReason?: string }
  | { kind: 'cut'; text: string; afterChunks: number; chunkSize?: number }
  | { kind: 'error'; status: number; body: string }
  | { kind: 'hang' };

export interface FakeOpenAi {
  url: string;
  requests: { model: string; messages: unknown; stream: boolean; authorization: string | undefined }[];
  close(): Promise<void>;
}

/** A real HTTP server speaking OpenAI's chat-completions SSE protocol; behaviour chosen per model name. */
export async function startFakeOpenAi(behaviours: Record<string, FakeBehaviour>): Promise<FakeOpenAi> {
  const requests: FakeOpenAi['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw) as { model: string; messages: unknown; stream: boolean };
      requests.push({ ...body, authorization: req.headers.authorization });
      const behaviour = behaviours[body.model] ?? {
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
      const size = behaviour.chunkSize ?? 7;
      const pieces: string[] = [];
      for (let i = 0; i < behaviour.text.length; i += size) pieces.push(behaviour.text.slice(i, i + size));
      const chunk = (content: string | null, finish: string | null): string =>
        `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model: body.model, choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }] })}\n\n`;
      let i = 0;
      const delay = behaviour.kind === 'stream' ? (behaviour.delayMs ?? 2) : 2;
      const tick = (): void => {
        if (behaviour.kind === 'cut' && i >= behaviour.afterChunks) {
          res.socket?.destroy();
          return;
        }
        if (i < pieces.length) {
          res.write(chunk(pieces[i]!, null));
          i += 1;
          setTimeout(tick, delay);
          return;
        }
        res.write(chunk(null, behaviour.kind === 'stream' ? (behaviour.finishReason ?? 'stop') : 'stop'));
        res.write(
          `data: ${JSON.stringify({ id: 'chatcmpl-1', choices: [], usage: { completion_tokens: pieces.length } })}\n\n`,
        );
        res.end('data: [DONE]\n\n');
      };
      tick();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
