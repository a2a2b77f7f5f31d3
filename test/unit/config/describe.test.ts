import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { listConfigOptions, renderConfigReference } from '../../../src/config/describe.js';

describe('the configuration reference', () => {
  test('lists every option with its type, default and description', () => {
    const options = listConfigOptions();
    expect(options.find((option) => option.path === 'scheduler.pollMs')).toMatchObject({ type: 'number', default: '1000' });
    expect(options.find((option) => option.path === 'logLevel')?.type).toContain("'debug'");
    const undocumented = options.filter((option) => !option.description);
    expect(undocumented).toEqual([]);
  });

  test('docs/config.md is current (regenerate with npm run docs:config)', () => {
    const committed = readFileSync(new URL('../../../docs/config.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderConfigReference());
  });
});
