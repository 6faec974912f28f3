import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { arenaHardAnswer, sharedData } from '@arena/testkit';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.js';
import { readWithPillow } from './support/read-image.js';
import { REPO_ROOT } from './support/test-arena.js';

/**
 * AutoCodeArena with apps and displays (issues 16 item 4 and 17 item 6): a model answering with a real recorded
 * Streamlit app (Arena-Hard 61eb140b…, gpt-3.5-turbo-0125) against a baseline answering with a PyGame game, on
 * three real AutoCodeArena prompts, with one live app allowed per engine (ARENA_APPS_PER_HOST=1) and four
 * answers at once. Every answer runs live, is photographed (a JPEG beside the answers, its path in
 * answers.jsonl) and is removed; none is refused for want of a slot. A vision judge (a local OpenAI-protocol
 * server that records requests) gets both sides' pictures as image_url data URLs, in both orders.
 */
const CLI = path.join(REPO_ROOT, 'backend/dist/cli/arena.js');
const SUITE = 'arena autoarena with apps and displays';
const shared = sharedData(SUITE, ['autocodearena-v0', 'arena-hard-v0.1']);

const GAME = `import pygame, random
pygame.init()
screen = pygame.display.set_mode((640, 480))
random.seed()
spots = [(random.randint(0, 600), random.randint(0, 440), random.randint(10, 60)) for _ in range(12)]
clock = pygame.time.Clock()
while True:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            raise SystemExit
    screen.fill((20, 20, 90))
    for x, y, r in spots:
        pygame.draw.circle(screen, (240, 120, 30), (x, y), r)
    pygame.display.flip()
    clock.tick(30)
`;

interface Answer {
  uid: string;
  model: string;
  environment?: string;
  run?: { status: string; stdout: string; stderr: string; rendered?: boolean };
  screenshot?: string;
}

describe.skipIf(shared.missing)(SUITE, () => {
  let dir: string;
  let fake: FakeLlm;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'arena-autoarena-apps-'));
    fake = await startFakeLlm({
      'streamlit-answer': {
        kind: 'stream',
        text: arenaHardAnswer(shared, 'gpt-3.5-turbo-0125', '61eb140b72ae4802b314a7b828c3ba4b'),
        chunkSize: 500,
      },
      'pygame-answer': { kind: 'stream', text: `Here:\n\n\`\`\`python\n${GAME}\`\`\`\n`, chunkSize: 500 },
      'vision-judge': {
        kind: 'stream',
        text: 'Both render; A is closer to the request.\n\nMy final verdict is [[A>B]]',
      },
    });
    await writeFile(
      path.join(dir, 'models.json'),
      JSON.stringify([
        { id: 'video', name: 'Video', provider: 'openai', model: 'streamlit-answer', baseUrl: fake.openaiUrl },
        { id: 'game', name: 'Game', provider: 'openai', model: 'pygame-answer', baseUrl: fake.openaiUrl },
      ]),
    );
    await writeFile(
      path.join(dir, 'judges.yaml'),
      `- id: looker\n  provider: openai\n  model: vision-judge\n  baseUrl: ${fake.openaiUrl}\n  vision: true\n`,
    );
    const prompts = readFileSync(path.join(shared.dir, 'autocodearena-v0', 'game_development.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .slice(0, 3);
    await writeFile(path.join(dir, 'prompts.jsonl'), `${prompts.join('\n')}\n`);
  });
  afterAll(async () => {
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs every app and display live under the cap, keeps its picture and shows both pictures to a vision judge in both orders', async () => {
    const out = path.join(dir, 'out');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'autoarena',
        '--prompts',
        path.join(dir, 'prompts.jsonl'),
        '--models',
        path.join(dir, 'models.json'),
        '--baseline',
        'game',
        '--judge',
        'looker',
        '--concurrency',
        '4',
        '--out',
        out,
      ],
      {
        env: {
          ...process.env,
          LOG_LEVEL: 'warn',
          ARENA_JUDGES_FILE: path.join(dir, 'judges.yaml'),
          ARENA_APPS_PER_HOST: '1',
          ARENA_PYODIDE: 'off',
          ARENA_SANDBOX_POOL: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // The command's app containers (labelled with its process id), counted as it runs: never over the cap.
    const docker = new Docker();
    const mine = { label: [`arena.app`, `arena.owner.pid=${child.pid}`] };
    let most = 0;
    let running = true;
    void exited.then(() => (running = false));
    while (running) {
      const live = await docker.listContainers({ filters: mine });
      most = Math.max(most, live.length);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const code = await exited;
    expect(code, stderr).toBe(0);
    expect(most).toBe(1);
    // Each app was removed once photographed: nothing of the command's is left on the engine.
    expect(await docker.listContainers({ all: true, filters: mine })).toEqual([]);
    expect(await docker.listNetworks({ filters: mine })).toEqual([]);
    expect(stdout).toMatch(/win rate against game on 3 prompts/);

    const answers = (await readFile(path.join(out, 'answers.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Answer);
    expect(answers).toHaveLength(6);
    for (const answer of answers) {
      // Run live (none refused for want of a slot), photographed, the picture beside the answers.
      expect(answer.run?.status, JSON.stringify(answer.run)).toBe('ok');
      expect(answer.run?.rendered).toBe(true);
      expect(answer.screenshot).toMatch(/^screenshots\/[\w.-]+\.jpg$/);
    }
    expect(answers.filter((a) => a.environment === 'streamlit')).toHaveLength(3);
    const jpeg = new Map<string, Buffer>();
    for (const answer of answers)
      jpeg.set(`${answer.model}/${answer.uid}`, await readFile(path.join(out, answer.screenshot!)));
    for (const picture of await readWithPillow([...jpeg.values()])) {
      expect(picture.format).toBe('JPEG');
      expect(picture.width).toBeLessThanOrEqual(1024);
      expect(picture.height).toBeLessThanOrEqual(768);
      expect(picture.stddev).toBeGreaterThan(3);
    }

    // Every game was judged with both pictures: the baseline's first in game 1, the model's first in game 2.
    const dataUrl = (key: string) => `data:image/jpeg;base64,${jpeg.get(key)!.toString('base64')}`;
    const seen = fake.requests
      .filter((r) => r.model === 'vision-judge')
      .map((r) =>
        (r.messages as { content: unknown }[]).flatMap((m) =>
          Array.isArray(m.content)
            ? (m.content as { type: string; image_url?: { url: string } }[])
                .filter((p) => p.type === 'image_url')
                .map((p) => p.image_url!.url)
            : [],
        ),
      );
    expect(seen).toHaveLength(6);
    for (const uid of new Set(answers.map((a) => a.uid))) {
      expect(seen).toContainEqual([dataUrl(`game/${uid}`), dataUrl(`video/${uid}`)]);
      expect(seen).toContainEqual([dataUrl(`video/${uid}`), dataUrl(`game/${uid}`)]);
    }
    const games = (await readFile(path.join(out, 'games.jsonl'), 'utf8')).trim().split('\n');
    expect(games).toHaveLength(6);
  }, 600_000);
});
