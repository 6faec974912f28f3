import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript source (the "source" export condition), so tests
// never depend on a stale build.
const resolve = { conditions: ['source', 'import', 'module', 'default'] };
// SWC, not esbuild: NestJS needs decorator metadata, which esbuild does not emit.
const plugins = [swc.vite({ module: { type: 'es6' }, jsc: { target: 'es2023' } })];
const common = { globals: false, pool: 'forks' as const };

export default defineConfig({
  resolve,
  ssr: { resolve: { conditions: resolve.conditions, externalConditions: ['source'] } },
  plugins,
  test: {
    projects: [
      {
        test: {
          ...common,
          name: 'unit',
          include: ['*/src/**/*.spec.ts'],
          exclude: ['**/*.int.spec.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
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
