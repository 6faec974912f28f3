import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/out/**',
      '**/.next/**',
      '**/node_modules/**',
      '**/next-env.d.ts',
      '.tools/**',
      'data/**',
      '**/*.config.*',
      'scripts/**',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      'no-console': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:contracts', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:ranking', onlyDependOnLibsWithTags: ['scope:contracts'] },
            // testkit (test helpers: the shared reference data, the built arena as a process) only from tests.
            { sourceTag: 'scope:sandboxes', onlyDependOnLibsWithTags: ['scope:contracts', 'type:testkit'] },
            {
              sourceTag: 'scope:judge',
              onlyDependOnLibsWithTags: ['scope:contracts', 'scope:ranking', 'scope:sandboxes', 'type:testkit'],
            },
            {
              sourceTag: 'scope:backend',
              onlyDependOnLibsWithTags: [
                'scope:contracts',
                'scope:ranking',
                'scope:sandboxes',
                'scope:judge',
                'type:testkit',
              ],
            },
            { sourceTag: 'scope:frontend', onlyDependOnLibsWithTags: ['scope:contracts'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['scope:contracts', 'type:testkit'] },
            { sourceTag: 'type:testkit', onlyDependOnLibsWithTags: ['scope:contracts'] },
            {
              sourceTag: 'type:bench',
              onlyDependOnLibsWithTags: [
                'scope:contracts',
                'scope:ranking',
                'scope:sandboxes',
                'scope:judge',
                'type:testkit',
              ],
            },
          ],
        },
      ],
    },
  },
  {
    // Tests may print in benchmarks and use loose fixtures; they still may not float promises.
    files: ['**/*.spec.ts', '**/test/**/*.ts', 'bench/**/*.ts', 'e2e/**/*.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  prettier,
);
