import { randomBytes } from 'node:crypto';
import http from 'node:http';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerDemuxer } from '../src/docker/demux.js';
import { readImageManifest } from '../src/docker/image-manifest.js';
import { checkInstall } from '../src/install.js';
import {
  controlDigest,
  DISPLAY_HEIGHT,
  DISPLAY_PORT,
  DISPLAY_WIDTH,
  displayControlUrl,
  displayRecipeFor,
  displayViewUrl,
  showsDisplay,
} from '../src/docker/display.js';
import { SANDBOX_ENV } from '../src/docker/recipes.js';
import { SANDBOX_USER, sandboxContainerSpec } from '../src/docker/sandbox-container.js';
import { DRIVER, encodeFiles } from '../src/docker/shell-driver.js';
import { pixelAt, RfbClient, type Frame } from '@arena/testkit';

/**
 * The display launcher on a real container of the sandbox image (`arena-sandbox:latest`, which build.sh makes):
 * a PyGame program's first frame reaches a VNC client through websockify without any input, a key pressed on
 * the view-only connection changes nothing, the same key on the control connection reaches the program.
 * The container is this test's own (the sandbox's hardening, on Docker's default bridge so the test reaches it).
 */
const docker = new Docker();
const IMAGE = process.env.ARENA_SANDBOX_IMAGE ?? 'arena-sandbox:latest';
const OWNER = `display-test-${randomBytes(4).toString('hex')}`;

/** Red until space is pressed, then green; prints each press. (Pixels are read off-centre: x11vnc draws the pointer, which sits in the middle, into the frames of a client without cursor updates.) */
const GAME = `import sys
import pygame
pygame.init()
screen = pygame.display.set_mode((${DISPLAY_WIDTH}, ${DISPLAY_HEIGHT}))
pygame.display.set_caption('arena display test')
color = (200, 30, 30)
clock = pygame.time.Clock()
print('started', flush=True)
while True:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            sys.exit(0)
        if event.type == pygame.KEYDOWN and event.key == pygame.K_SPACE:
            color = (30, 200, 30)
            print('space', flush=True)
    screen.fill(color)
    pygame.display.flip()
    clock.tick(30)
`;

let container: Docker.Container | undefined;
let address = '';
let output = '';

function answersHttp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/', timeout: 1_000, agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function frameUntil(client: RfbClient, ok: (frame: Frame) => boolean, ms: number): Promise<Frame> {
  const until = Date.now() + ms;
  let frame = await client.frame();
  while (!ok(frame) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    frame = await client.frame();
  }
  return frame;
}

const recipe = displayRecipeFor('pygame', GAME);

beforeAll(async () => {
  if (!recipe) throw new Error('no display recipe for pygame');
  const spec = sandboxContainerSpec(IMAGE, OWNER, { cpus: 1 }, 768, 256);
  container = await docker.createContainer({
    ...spec,
    name: OWNER,
    NetworkDisabled: false,
    HostConfig: { ...spec.HostConfig, NetworkMode: 'bridge' },
  });
  await container.start();
  address = (await container.inspect()).NetworkSettings.Networks['bridge']?.IPAddress ?? '';
  const words = encodeFiles({ ...recipe.files, [recipe.file]: GAME }).words;
  const exec = await container.exec({
    Cmd: ['/bin/sh', '-c', DRIVER, 'arena', ...words, '', recipe.run, '120', 'MARK'],
    Env: [...SANDBOX_ENV, ...recipe.env],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const demux = new DockerDemuxer((_stream, data) => (output += data.toString()));
  stream.on('data', (chunk: Buffer) => demux.push(chunk));
  const until = Date.now() + 60_000;
  while (!(await answersHttp(address, DISPLAY_PORT))) {
    if (Date.now() > until) throw new Error(`the display did not serve in 60 s; output: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 90_000);

afterAll(async () => {
  await container?.remove({ force: true });
});

describe('which programs get a display', () => {
  it('pygame always; Python that imports pygame, tkinter or turtle; not other Python', () => {
    expect(showsDisplay('pygame', 'print(1)')).toBe(true);
    expect(showsDisplay('python', 'import tkinter as tk\nroot = tk.Tk()')).toBe(true);
    expect(showsDisplay('python', 'from turtle import *\nforward(10)')).toBe(true);
    expect(showsDisplay('python', 'import numpy\nprint(1)')).toBe(false);
  });
});

describe('a PyGame program on the virtual display', () => {
  it('shows its first frame to a viewer without any input', async () => {
    const viewer = await RfbClient.connect(`ws://${address}:${DISPLAY_PORT}${displayViewUrl('/')}`);
    try {
      expect([viewer.width, viewer.height]).toEqual([DISPLAY_WIDTH, DISPLAY_HEIGHT]);
      const frame = await frameUntil(viewer, (f) => pixelAt(f, 200, 150)[0] > 150, 10_000);
      expect(pixelAt(frame, 200, 150), output).toEqual([200, 30, 30]);
    } finally {
      viewer.close();
    }
  }, 30_000);

  it("ignores a viewer's key press and takes the controller's", async () => {
    if (!recipe) throw new Error('no recipe');
    const viewer = await RfbClient.connect(`ws://${address}:${DISPLAY_PORT}${displayViewUrl('/')}`);
    // A made-up control token is a viewer's, too.
    const guesser = await RfbClient.connect(`ws://${address}:${DISPLAY_PORT}/?token=${'x'.repeat(32)}`);
    const controller = await RfbClient.connect(
      `ws://${address}:${DISPLAY_PORT}${displayControlUrl('/', recipe.control)}`,
    );
    try {
      viewer.key(0x20);
      guesser.key(0x20);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(pixelAt(await viewer.frame(), 200, 150), output).toEqual([200, 30, 30]);
      expect(output).not.toContain('space');

      controller.key(0x20);
      const frame = await frameUntil(viewer, (f) => pixelAt(f, 200, 150)[1] > 150, 10_000);
      expect(pixelAt(frame, 200, 150), output).toEqual([30, 200, 30]);
      expect(output).toContain('space');
    } finally {
      viewer.close();
      guesser.close();
      controller.close();
    }
  }, 40_000);

  it("keeps the control token out of the program's reach: no environment, command line or file holds it", async () => {
    if (!container || !recipe) throw new Error('no container');
    // What a program can read as its own user: its environment, every process's environment and command line
    // (the launcher's, websockify's, the VNC servers'), and every file of its work and temporary directories.
    const exec = await container.exec({
      Cmd: [
        '/bin/sh',
        '-c',
        [
          'env',
          'for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do echo "== $f"; tr "\\0" "\\n" < "$f" 2>/dev/null; echo; done',
          'find /sandbox /tmp -type f 2>/dev/null | while read -r f; do echo "== $f"; cat "$f" 2>/dev/null; echo; done',
        ].join('\n'),
      ],
      User: SANDBOX_USER,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    let seen = '';
    const demux = new DockerDemuxer((_s, data) => (seen += data.toString()));
    await new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => demux.push(chunk));
      stream.on('end', resolve);
    });
    // It read what there was: the program's environment, websockify's command line, the launcher's files.
    expect(seen).toContain('SDL_AUDIODRIVER=dummy');
    expect(seen).toContain('websockify');
    expect(seen).toContain('== /sandbox/.arena/display.sh');
    // Where it leaks, if it does: the section (`== <file>`) that holds it, or the program's own environment.
    const leaks = seen
      .split('\n== ')
      .filter((section) => section.includes(recipe.control))
      .map((section) => section.split('\n')[0]);
    expect(leaks).toEqual([]);
    // The controller's token still reaches the full-control server (the test above drove the program with it).
    expect(seen).toContain(`ARENA_DISPLAY_CONTROL_SHA256=${controlDigest(recipe.control)}`);
  });
});

describe("the sandbox image's packages", () => {
  it('the install check, reading the image, passes streamlit, gradio and pygame and refuses torch', async () => {
    if (!container) throw new Error('no container');
    const manifest = await readImageManifest(container);
    expect(checkInstall('pip install streamlit gradio pygame flask fastapi uvicorn', manifest, 'x')).toMatchObject({
      ok: true,
    });
    expect(checkInstall('pip install streamlit torch', manifest, 'x').missing).toEqual([
      { manager: 'pip', name: 'torch' },
    ]);
    // Debian's packages for the display are there too.
    expect(['xvfb', 'x11vnc', 'python3-tk'].filter((name) => !manifest.apt?.has(name))).toEqual([]);
  });
});
