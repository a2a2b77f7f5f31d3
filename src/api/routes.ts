/**
 * Every admin endpoint, as one table (method, path, role, schemas, handler). The server
 * registers it, the OpenAPI document describes it, and the role tests walk it.
 */
import type { Route } from './define-route.js';
import { cronRoutes } from './handlers/cron.js';
import { dashboardRoutes } from './handlers/dashboard.js';
import { jobRunRoutes } from './handlers/job-runs.js';
import { scheduledJobRoutes } from './handlers/scheduled-jobs.js';
import { schedulerRoutes } from './handlers/scheduler.js';
import { tokenRoutes } from './handlers/tokens.js';
import { notificationRoutes } from './handlers/notifications.js';

export const routes: readonly Route[] = [...scheduledJobRoutes, ...jobRunRoutes, ...cronRoutes, ...schedulerRoutes, ...dashboardRoutes, ...tokenRoutes, ...notificationRoutes];
