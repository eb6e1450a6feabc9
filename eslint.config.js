// Lint configuration: the recommended JavaScript and TypeScript rules over the
// sources, tests and tools; type-level checks are left to `tsc`. Below them, the
// layering of src/ (README, "Development"), enforced per directory.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Imports no file in src/ may make: src/tools holds build scripts (run by `npm run
 * schemas` and their tests), and nothing the product runs may depend on them.
 */
const everywhere = [
  { group: ['**/tools/*'], message: 'src/tools holds build scripts; move what the product needs out of it (e.g. to src/api/).' },
];

/**
 * What each directory may not import, beyond `everywhere`. The core is pure: it decides
 * and never acts, so it reaches no adapter, loop, server or logger, and the AWS SDK only
 * for types. The simulator is an independent AWS: nothing of the controller. Loading
 * a checkout never talks to AWS.
 */
const layers = {
  'src/core/**': [
    { group: ['**/aws/**', '**/runtime/**', '**/http/**', '**/source/**', '**/sim/**', '**/telemetry.js'], message: 'src/core is pure: it imports no adapter, loop, server, simulator or telemetry (README, "Development").' },
    { group: ['@aws-sdk/*'], allowTypeImports: true, message: 'src/core uses the AWS SDK for types only (import type).' },
    { group: ['node:timers', 'node:timers/*', 'timers', 'timers/*'], message: 'src/core holds no timers: take a Clock (core/clock.ts).' },
  ],
  'src/sim/**': [{ group: ['../*'], message: 'src/sim is an independent AWS: it imports nothing outside src/sim.' }],
  'src/load/**': [{ group: ['**/aws/**'], message: 'src/load never talks to AWS.' }],
};

const noTimers = ['setTimeout', 'setInterval', 'setImmediate'].map((name) => ({ name, message: 'src/core holds no timers: take a Clock (core/clock.ts).' }));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tap/', 'coverage/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', fetch: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**'],
    ignores: ['src/tools/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: everywhere }] },
  },
  ...Object.entries(layers).map(([dir, patterns]) => ({
    files: [dir],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...everywhere, ...patterns] }] },
  })),
  {
    files: ['src/core/**'],
    rules: {
      'no-restricted-globals': ['error', ...noTimers],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'src/core reads no clock: take the time as an argument or a Clock (core/clock.ts).' }],
    },
  },
);
