/**
 * The instant every decision about time uses: the database clock, shared by all processes, or
 * the controlled clock of tests (`Clock.databaseNow`).
 */
import type { Queryable } from '../database.js';
import { sqlNow, type Clock } from '../../util/clock.js';

/** Params: $1 now (nullable). */
const nowSql = 'select coalesce($1::timestamptz, now()) as now';

export async function readDatabaseNow(db: Queryable, clock: Clock): Promise<Date> {
  const { rows } = await db.query<{ now: Date }>(nowSql, [sqlNow(clock)]);
  return rows[0]!.now;
}
