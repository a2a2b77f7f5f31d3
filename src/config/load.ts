/**
 * Resolving configuration: file → environment → explicit options, validated once against
 * `schema.ts`, completed with backend-derived defaults, and frozen.
 *
 * Config files are TypeScript or JavaScript (`hourglass.config.ts|mts|js|mjs`), loaded with
 * jiti so that a plain `npm start` needs no build step for the user's own config. An `.mjs`
 * file is an ES module whatever the project declares, so Node imports it itself (once per
 * process, like any module) and jiti is not loaded at all (+6 MB RSS). A `.js` file stays with
 * jiti, which accepts ES module and CommonJS syntax whatever the nearest package.json declares,
 * where Node would refuse some files and warn about others.
 */
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { configSchema, type HourglassConfigInput, type ResolvedConfig } from './schema.js';
import { readEnvOverrides } from './env.js';
import { ErrorCode, HourglassError } from '../errors.js';

export const configFileNames = ['hourglass.config.ts', 'hourglass.config.mts', 'hourglass.config.js', 'hourglass.config.mjs'];

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.join('.') : '(config)';
  return `${path}: ${issue.message}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Deep merge of plain objects; arrays and other values from `override` replace. */
export function mergeConfig(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? mergeConfig(current, value) : value;
  }
  return merged;
}

/** Validates and completes a config object; throws `invalid_config` naming every bad path. */
export function resolveConfig(input: HourglassConfigInput | Record<string, unknown>): ResolvedConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(describeIssue);
    throw new HourglassError(ErrorCode.invalidConfig, `invalid configuration:\n  ${lines.join('\n  ')}`, {
      field: parsed.error.issues[0]?.path.join('.'),
    });
  }
  const config = parsed.data;
  // Backend-derived defaults: one embedded connection serialises everything, so more
  // concurrent handlers than a few would only queue on it.
  const concurrency = config.worker.concurrency ?? (config.databaseUrl ? 10 : 4);
  const heartbeatMs = config.worker.heartbeatMs ?? Math.max(250, Math.floor(config.worker.leaseMs / 3));
  const resolved: ResolvedConfig = { ...config, worker: { ...config.worker, concurrency, heartbeatMs } };
  return deepFreeze(resolved);
}

function deepFreeze<T>(value: T): T {
  if (isPlainObject(value) || Array.isArray(value)) {
    for (const child of Object.values(value as object)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Finds the config file: an explicit path, or the first of `configFileNames` in `cwd`. */
export function findConfigFile(cwd: string, explicitPath?: string): string | null {
  if (explicitPath) {
    const path = resolve(cwd, explicitPath);
    if (!existsSync(path)) {
      throw new HourglassError(ErrorCode.invalidConfig, `config file not found: ${path}`, { field: 'config' });
    }
    return path;
  }
  for (const name of configFileNames) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  return null;
}

/** The config module's default export (or the module itself when it has none). */
async function importModule(path: string): Promise<unknown> {
  if (extname(path) === '.mjs') {
    const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
    return module.default ?? module;
  }
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url, { interopDefault: true, moduleCache: false });
  return jiti.import(path, { default: true });
}

export async function importConfigFile(path: string): Promise<Record<string, unknown>> {
  let loaded: unknown;
  try {
    loaded = await importModule(path);
  } catch (error) {
    throw new HourglassError(ErrorCode.invalidConfig, `could not load ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (!isPlainObject(loaded)) {
    throw new HourglassError(ErrorCode.invalidConfig, `${path} must export a config object (export default defineConfig({...}))`);
  }
  return loaded;
}

export interface LoadConfigOptions {
  cwd?: string;
  /** `--config PATH`. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Applied last (command-line flags). */
  overrides?: Record<string, unknown>;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<{ config: ResolvedConfig; path: string | null }> {
  const cwd = options.cwd ?? process.cwd();
  const path = findConfigFile(cwd, options.configPath);
  const fromFile = path ? await importConfigFile(path) : {};
  const merged = mergeConfig(mergeConfig(fromFile, readEnvOverrides(options.env ?? process.env)), options.overrides ?? {});
  if (typeof merged.dataDir === 'string') merged.dataDir = resolve(cwd, merged.dataDir);
  else merged.dataDir = resolve(cwd, '.hourglass');
  return { config: resolveConfig(merged), path };
}
