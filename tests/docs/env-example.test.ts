/**
 * The documentation of configuration stays true: .env.example and the README list exactly the variables the
 * config reads, and .env.example, copied to .env as is, is a valid configuration.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, parseConfig } from '../../src/config.ts';
import { PROJECT_ROOT } from '../support/workspace.ts';

const example = parse(readFileSync(path.join(PROJECT_ROOT, '.env.example'), 'utf8'));
const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');

describe('configuration documentation', () => {
  it('.env.example documents every variable and nothing else', () => {
    expect(Object.keys(example).sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('.env.example is a valid configuration as shipped', () => {
    expect(() => parseConfig(example, PROJECT_ROOT)).not.toThrow();
  });

  it('the README has a table row for every variable', () => {
    for (const name of CONFIG_VARIABLES) expect(readme, name).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
  });
});
