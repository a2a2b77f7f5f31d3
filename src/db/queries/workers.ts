/**
 * The `workers` table: one row per Hourglass process (whatever its role), kept fresh by its
 * heartbeat so operators and the console can see who is alive.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';
import type { WorkerRecord } from '../../model.js';
import { camelizeRows } from './rows.js';

export interface WorkerRegistration {
  id: string;
  role: string;
  hostname: string;
  pid: number;
  version: string;
  concurrency: number;
}

/** Params: $1 id, $2 role, $3 hostname, $4 pid, $5 version, $6 concurrency. */
const registerSql = (s: SchemaName) => `
  insert into ${s.quoted}.workers (id, role, hostname, pid, version, concurrency)
  values ($1, $2, $3, $4, $5, $6)
  on conflict (id) do update set heartbeat_at = now(), stopped_at = null`;

export async function registerWorker(db: Queryable, s: SchemaName, worker: WorkerRegistration): Promise<void> {
  await db.query(registerSql(s), [worker.id, worker.role, worker.hostname, worker.pid, worker.version, worker.concurrency]);
}

/** Params: $1 id. */
const heartbeatSql = (s: SchemaName) => `update ${s.quoted}.workers set heartbeat_at = now() where id = $1`;

export async function touchWorker(db: Queryable, s: SchemaName, id: string): Promise<void> {
  await db.query(heartbeatSql(s), [id]);
}

/** Params: $1 id. */
const stopSql = (s: SchemaName) => `update ${s.quoted}.workers set stopped_at = now() where id = $1`;

export async function markWorkerStopped(db: Queryable, s: SchemaName, id: string): Promise<void> {
  await db.query(stopSql(s), [id]);
}

/** Params: $1 include stopped. Most recent first. */
const listSql = (s: SchemaName) => `
  select * from ${s.quoted}.workers
  where $1 or stopped_at is null
  order by heartbeat_at desc
  limit 500`;

export async function listWorkers(db: Queryable, s: SchemaName, includeStopped = false): Promise<WorkerRecord[]> {
  const { rows } = await db.query(listSql(s), [includeStopped]);
  return camelizeRows<WorkerRecord>(rows);
}
