import path from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript source, so tests never run against a stale build.
const alias = Object.fromEntries(
  ['contracts', 'sandboxes', 'ranking', 'judge', 'testkit'].map((name) => [
    `@arena/${name}`,
    path.resolve(import.meta.dirname, name, 'src/index.ts'),
  ]),
);
const common = { globals: false, pool: 'forks' as const };

export default defineConfig({
  resolve: { alias },
  // SWC, not esbuild: NestJS needs decorator metadata, which esbuild does not emit.
  plugins: [swc.vite({ module: { type: 'es6' }, jsc: { target: 'es2023' } })],
  test: {
    projects: [
      {
        extends: true,
        test: {
          ...common,
          name: 'unit',
          include: ['*/src/**/*.spec.ts'],
          exclude: ['**/*.int.spec.ts', '**/*.e2e.spec.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        extends: true,
        test: {
          ...common,
          name: 'integration',
          include: ['*/src/**/*.int.spec.ts', '*/test/**/*.int.spec.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          ...common,
          name: 'e2e',
          include: ['e2e/src/**/*.e2e.spec.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
