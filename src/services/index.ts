/**
 * Every service of one Hourglass instance, built on its runtime: the one path to state for
 * the library, the CLI and the REST API.
 */
import type { Runtime } from '../runtime.js';
import { createAuditService } from './audit.js';
import { createDashboardService } from './dashboard.js';
import { createRunService } from './runs.js';
import { createScheduleService } from './schedules.js';
import { createSchedulerStatusService } from './scheduler-status.js';
import { createTokenService } from './tokens.js';

export function createServices(runtime: Runtime) {
  return {
    schedules: createScheduleService(runtime),
    runs: createRunService(runtime),
    tokens: createTokenService(runtime),
    audit: createAuditService(runtime),
    dashboard: createDashboardService(runtime),
    schedulerStatus: createSchedulerStatusService(runtime),
  };
}

export type Services = ReturnType<typeof createServices>;
