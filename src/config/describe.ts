/**
 * The configuration reference, read off the zod schema (`schema.ts`): every option with its
 * type, default and description. `docs/config.md` is generated from it, and a test keeps the
 * two in step.
 */
import type { z } from 'zod';
import { configSchema } from './schema.js';

export interface ConfigOption {
  path: string;
  type: string;
  default: string;
  description: string;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  shape?: Record<string, z.ZodType>;
  entries?: Record<string, string>;
  format?: string;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

function describeType(schema: z.ZodType): string {
  const def = defOf(schema);
  if (def.type === 'default' || def.type === 'optional') return describeType(def.innerType!);
  if (def.type === 'enum') return Object.values(def.entries ?? {}).map((value) => `'${value}'`).join(' \\| ');
  if (def.type === 'array') return 'array';
  return def.format === 'safeint' ? 'integer' : def.type;
}

function describeDefault(schema: z.ZodType): string {
  const def = defOf(schema);
  if (def.type !== 'default') return '';
  const value = typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
  return typeof value === 'object' ? '' : JSON.stringify(value);
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | null {
  const def = defOf(schema);
  if (def.type === 'default' || def.type === 'optional') return objectShape(def.innerType!);
  return def.type === 'object' ? (def.shape ?? null) : null;
}

export function listConfigOptions(schema: z.ZodType = configSchema, prefix = ''): ConfigOption[] {
  const shape = objectShape(schema) ?? {};
  return Object.entries(shape).flatMap(([key, field]) => {
    const path = prefix + key;
    if (objectShape(field)) return listConfigOptions(field, `${path}.`);
    return [{ path, type: describeType(field), default: describeDefault(field), description: field.description ?? '' }];
  });
}

export function renderConfigReference(): string {
  const rows = listConfigOptions().map((option) => `| \`${option.path}\` | ${option.type} | ${option.default ? `\`${option.default}\`` : ''} | ${option.description} |`);
  return [
    '# Configuration reference',
    '',
    'Generated from `src/config/schema.ts` by `npm run docs:config`; do not edit by hand.',
    'Options come from `hourglass.config.ts|js` (`defineConfig`), then the environment, then',
    'command-line flags. Environment names are given in the descriptions.',
    '',
    '| option | type | default | description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
