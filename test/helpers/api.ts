/**
 * A real API server on a random port for a test: an Hourglass instance from
 * `setupTestDatabase()` with the API enabled (scheduler and worker off unless asked), tokens
 * of every role, and a small `request` helper over fetch.
 */
import type { HourglassConfigInput } from '../../src/config/schema.js';
import type { Hourglass } from '../../src/hourglass.js';
import type { TestDatabase } from './db.js';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  /** A token secret; `null` sends no Authorization header. @default the admin token */
  token?: string | null;
  /** JSON-encoded unless a string. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TestApi {
  hourglass: Hourglass;
  url: string;
  tokens: { admin: string; operator: string; viewer: string };
  /** Creates another token (e.g. bound to a tenant) and returns its secret. */
  createToken(role: 'admin' | 'operator' | 'viewer', tenantId?: string): Promise<string>;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
}

export async function startTestApi(testDb: TestDatabase, config: Partial<HourglassConfigInput> = {}): Promise<TestApi> {
  const hourglass = await testDb.create({ port: 0, ...config, api: { enabled: true, ...config.api } });
  await hourglass.start();
  const url = hourglass.apiUrl!;
  let counter = 0;
  const createToken = async (role: 'admin' | 'operator' | 'viewer', tenantId?: string) =>
    (await hourglass.tokens.create({ name: `${role}-${tenantId ?? 'all'}-${(counter += 1)}`, role, tenantId })).secret;
  const tokens = { admin: await createToken('admin'), operator: await createToken('operator'), viewer: await createToken('viewer') };
  return {
    hourglass,
    url,
    tokens,
    createToken,
    async request(method, path, options = {}) {
      const token = options.token === undefined ? tokens.admin : options.token;
      const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}) };
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { ...headers, ...options.headers },
        body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // not JSON (metrics, HTML): keep the text
      }
      return { status: response.status, body: body as never, headers: response.headers };
    },
  };
}
