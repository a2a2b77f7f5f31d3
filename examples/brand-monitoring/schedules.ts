/**
 * Brand monitoring's schedules: one set per watched brand, for two customers. The customer is
 * the tenant (a customer's API token sees only its own schedules and runs); the brand, its
 * collectors and the page limit go in the payload. Each brand gets three schedules:
 *
 * - `<brand>.data_collection`: collects mentions every 4 hours, so the day's data builds up;
 * - `<brand>.scoring`: scores the day's reputation each morning in the customer's zone;
 * - `<brand>.data_collection_and_scoring`: the weekly deep report (Monday), both steps in one
 *   run with every collector and a bigger limit, with metrics per step.
 */
import { defineSchedule, type ScheduleDefinition } from 'hourglass';
import type { Collector } from './mentions.js';

export interface WatchedBrand {
  customerId: string;
  brandId: string;
  collectors: Collector[];
  /** Mentions fetched per collector and run. */
  limit: number;
  /** The customer's zone: scoring runs before their working day starts. */
  timezone: string;
}

export const watchedBrands: WatchedBrand[] = [
  { customerId: 'cust_northwind', brandId: 'northwind-coffee', collectors: ['news', 'social', 'reviews'], limit: 120, timezone: 'Europe/London' },
  { customerId: 'cust_northwind', brandId: 'northwind-tea', collectors: ['social', 'reviews'], limit: 60, timezone: 'Europe/London' },
  { customerId: 'cust_globex', brandId: 'globex-energy', collectors: ['news', 'social', 'forums'], limit: 150, timezone: 'America/New_York' },
];

/** The three schedules of one brand. */
export function defineBrandSchedules(brand: WatchedBrand): ScheduleDefinition[] {
  const payload = { brand_id: brand.brandId, collectors: brand.collectors, limit: brand.limit };
  const common = { tenantId: brand.customerId, enabled: true, metadata: { customer_id: brand.customerId, brand_id: brand.brandId } };
  return [
    defineSchedule({
      ...common,
      key: `${brand.brandId}.data_collection`,
      name: `${brand.brandId}: collect mentions`,
      cron: '0 */4 * * *',
      timezone: 'UTC',
      target: { job: 'data_collection' },
      payload,
    }),
    defineSchedule({
      ...common,
      key: `${brand.brandId}.scoring`,
      name: `${brand.brandId}: daily reputation score`,
      cron: '30 6 * * *',
      timezone: brand.timezone,
      target: { job: 'scoring' },
      payload,
    }),
    defineSchedule({
      ...common,
      key: `${brand.brandId}.data_collection_and_scoring`,
      name: `${brand.brandId}: weekly deep report`,
      cron: '0 5 * * 1',
      timezone: brand.timezone,
      target: { job: 'data_collection_and_scoring' },
      payload: { ...payload, collectors: ['news', 'social', 'reviews', 'forums'], limit: brand.limit * 2 },
      timeout: '45m',
    }),
  ];
}

export const brandMonitoringSchedules = watchedBrands.flatMap(defineBrandSchedules);
