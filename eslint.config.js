// ESLint flat config: recommended JS and TypeScript rules (not type-checked,
// to stay fast), plus determinism rules for the simulation layer.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const determinism = 'The simulation must be deterministic: use the run clock (kernel.now) and a named seeded stream (simulation/kernel/random.ts).';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'test-results/', 'playwright-report/', 'release/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['simulation/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: determinism },
        { object: 'Date', property: 'now', message: determinism },
        { object: 'performance', property: 'now', message: determinism },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: determinism },
        { name: 'performance', message: determinism },
        { name: 'crypto', message: determinism },
      ],
    },
  },
);
