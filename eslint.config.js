// ESLint: type-aware typescript-eslint plus the layering rules of STYLE.md section 1.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'child_process', 'os', 'http', 'net', 'better-sqlite3'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', 'bin/**', 'renderer/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='openExternal']",
          message:
            'shell.openExternal is called only from main/electron/external-links.ts (STYLE.md section 3).',
        },
      ],
    },
  },
  {
    // The one module calling shell.openExternal, behind its allow-list and confirmation (STYLE.md section 3).
    files: ['main/electron/external-links.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...nodeBuiltins, 'electron', '**/main/**', '**/renderer/**', '**/preload/**'] },
      ],
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/electron/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['electron', '**/renderer/**', '**/preload/**'] }],
    },
  },
  {
    // One gate into the engine (docs/architecture.md): transports reach it only through main/service/. Types may be
    // imported; values only by the composition roots (main/cli/serve.ts, main/electron/engine-host.ts, app.ts).
    files: ['main/server/**/*.ts', 'main/electron/**/*.ts'],
    ignores: ['main/electron/engine-host.ts', 'main/electron/app.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/engine/*',
                '**/store/*',
                '**/jobs/*',
                '**/programs/*',
                '**/conditions/*',
                '**/actions/*',
                '**/schedules/*',
                '**/templating/*',
                '**/stats/collect*',
              ],
              allowTypeImports: true,
              message: 'Transports reach the engine only through main/service/ (docs/architecture.md).',
            },
          ],
        },
      ],
    },
  },
  {
    // The engine and its stats know nothing of the gate or of any transport.
    files: ['main/engine/**/*.ts', 'main/stats/**/*.ts', 'main/store/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/service/*', '**/server/*', '**/electron/*', '**/cli/*'],
              message: 'The engine does not know the service or its transports (docs/architecture.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...nodeBuiltins, '**/main/**', '**/renderer/**'] }],
    },
  },
  {
    files: ['renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { parser: tseslint.parser, svelteConfig: './renderer/svelte.config.js' },
    },
    rules: {
      // Collections in stores are replaced whole ($state.raw) or kept deliberately non-reactive (RunTable holds
      // 100k runs; a version counter tells views to redraw), so Svelte's reactive Map/Set would only cost.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...nodeBuiltins, 'electron', '**/main/**', '**/preload/**'] },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
