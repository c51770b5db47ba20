// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // Library code logs through the Logger; only entry points and the terminal UI print.
    files: ['src/core/**/*.ts', 'src/adapters/**/*.ts', 'src/digest/**/*.ts', 'src/discord/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // What paperbot is (core) and the digest know nothing of Discord: the platform is behind their ports.
    files: ['src/core/**/*.ts', 'src/digest/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'discord.js', message: 'Discord belongs in src/discord/, behind a port.' }] }] },
  },
  {
    // config.ts is the one place that reads the environment.
    files: ['src/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['src/config.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/config.ts.' }],
    },
  },
);
