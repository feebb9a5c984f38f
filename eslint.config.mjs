import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'cdktf.out/',
      '.build/',
      'coverage/',
      '.venv/',
      '.venv-cluster/',
      '.stryker-tmp/',
      'reports/',
    ],
  },
  // A disable comment that no longer disables anything (a data table grown short) fails the lint.
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Provider classes only by deep path: the barrel makes synth ~14x slower.
      'no-restricted-imports': [
        'error',
        {
          paths: ['@cdktf/provider-aws', '@cdktf/provider-kubernetes', '@cdktf/provider-helm'].map((name) => ({
            name,
            message: 'Import the class from its deep path, e.g. @cdktf/provider-aws/lib/s3-bucket.',
          })),
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The program, its commands and the tooling (not the tests, whose describe
    // blocks are long by nature): a longer function is split, or is a data
    // table and says so where it starts (code-shape.test.ts lists them).
    files: ['**/*.ts'],
    ignores: ['__tests__/**'],
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: false, skipComments: false, IIFEs: true }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: { globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
