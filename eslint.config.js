// Lint configuration: the recommended JavaScript and TypeScript rules over the
// sources, tests and tools; type-level checks are left to `tsc`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  // Layering: src/tools holds build scripts (run by `npm run schemas` and their tests);
  // nothing the product runs may depend on them. (typescript-eslint's copy of the rule, so
  // the layering rules set with the core one apply beside it rather than replacing it.)
  {
    files: ['src/**/*.ts'],
    ignores: ['src/tools/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['**/tools/*'], message: 'src/tools holds build scripts; move what the product needs out of it (e.g. to src/api/).' }] }],
    },
  },
);
