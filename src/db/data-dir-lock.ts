/**
 * The embedded database belongs to one process. A lock file in the data directory records
 * who holds it; a second process (a CLI command while `hourglass start` runs, say) is told
 * clearly who that is instead of opening the files twice, which would corrupt them. A lock
 * left by a process that no longer exists is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, HourglassError } from '../errors.js';

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

interface LockInfo {
  pid: number;
  hostname: string;
  command: string;
  port?: number;
  startedAt: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

export function acquireDataDirLock(dataDir: string, details: { port?: number } = {}): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'hourglass.lock');
  const info: LockInfo = { pid: process.pid, hostname: hostname(), command: process.argv.slice(1).join(' '), port: details.port, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, JSON.stringify(info), { flag: 'wx' });
      return {
        path,
        release() {
          if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(path);
      if (holder && holder.pid !== process.pid && holder.hostname === info.hostname && isAlive(holder.pid)) {
        const api = holder.port ? `; its API is at http://localhost:${holder.port}` : '';
        throw new HourglassError(
          ErrorCode.databaseLocked,
          `the embedded database in ${dataDir} is in use by process ${holder.pid} (${holder.command}, since ${holder.startedAt})${api}. Stop it first, or set DATABASE_URL to use PostgreSQL for several processes.`,
          { details: { ...holder } },
        );
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new HourglassError(ErrorCode.databaseLocked, `could not lock the embedded database in ${dataDir}`);
}
