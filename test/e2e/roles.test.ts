/**
 * Roles in the console: a viewer token reads every page but sees no control that changes
 * anything, at desktop and phone width. The same check finds the controls for the admin, so
 * an empty answer for the viewer means they are hidden, not that the check is blind.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { JobRunWire, ScheduledJobWire } from '../../src/api/wire.js';
import { consoleTestKit, viewports, waitUntilLoaded } from '../helpers/browser.js';

const e2e = consoleTestKit();

const MUTATING = ['Run now', 'Pause', 'Resume', 'Backfill', 'Delete', 'New schedule', 'Enqueue run', 'Cancel run', 'Retry', 'Create schedule', 'Save changes'];

const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true });

/** The mutating controls on the page: buttons (or links styled as buttons) by name, and switches. */
async function mutatingControls(page: Page): Promise<string[]> {
  const found: string[] = [];
  for (const name of MUTATING) {
    const count = (await page.getByRole('button', { name, exact: true }).count()) + (await page.getByRole('link', { name, exact: true }).count());
    if (count > 0) found.push(name);
  }
  const switches = await page.getByRole('switch').count();
  if (switches > 0) found.push(`${switches} switch(es)`);
  return found;
}

interface Fixture {
  schedule: ScheduledJobWire;
  run: JobRunWire;
  viewerToken: string;
}

/** A schedule, a finished run of it (so Retry would show) and a viewer token. */
async function setUp(label: string): Promise<Fixture> {
  const { server } = e2e;
  const schedule = await server.api<ScheduledJobWire>('POST', '/scheduled-jobs', { name: `Roles ${label}`, job_type: 'quick', cron_expression: '15 6 * * *' });
  const triggered = await server.api<{ runs: JobRunWire[] }>('POST', `/scheduled-jobs/${schedule.id}/trigger`);
  const run = triggered.runs[0]!;
  await expect.poll(async () => (await server.api<JobRunWire>('GET', `/job-runs/${run.id}`)).status, { timeout: 15_000 }).toBe('completed');
  const token = await server.api<{ token: string }>('POST', '/tokens', { name: `viewer-${label}`, role: 'viewer' });
  return { schedule, run, viewerToken: token.token };
}

async function signInWith(page: Page, token: string): Promise<void> {
  await page.goto(`${e2e.server.url}/#token=${token}`);
  await heading(page, 'Dashboard').waitFor();
}

/** Opens each page (waiting for its content, so an empty answer is not a page still loading) and lists its controls. */
async function controlsByPage(page: Page, { schedule, run }: Fixture): Promise<Record<string, string[]>> {
  const visits: Array<[string, () => Promise<void>]> = [
    ['/schedules', () => page.getByRole('link', { name: schedule.name, exact: true }).waitFor()],
    [`/schedules/${schedule.id}`, () => heading(page, schedule.name).waitFor()],
    ['/runs', () => page.getByRole('table', { name: 'Runs', exact: true }).getByRole('row').filter({ hasText: run.id.slice(-8) }).waitFor()],
    [`/runs/${run.id}`, () => page.getByRole('log', { name: 'Logs' }).getByText('step 2').waitFor()],
  ];
  const found: Record<string, string[]> = {};
  for (const [route, ready] of visits) {
    await e2e.open(route, page);
    await ready();
    await waitUntilLoaded(page);
    found[route] = await mutatingControls(page);
  }
  return found;
}

const auditLogLink = (page: Page) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit log', exact: true });

describe('a viewer token', () => {
  test('sees no mutating control on the schedules, a schedule, the runs and a run, and no Audit log', async () => {
    const fixture = await setUp('desktop');
    const { page } = e2e;
    await signInWith(page, fixture.viewerToken);
    expect(await page.getByText('viewer-desktop · viewer').count()).toBe(1);
    expect(await auditLogLink(page).count()).toBe(0);

    const found = await controlsByPage(page, fixture);
    expect(found).toEqual({ '/schedules': [], [`/schedules/${fixture.schedule.id}`]: [], '/runs': [], [`/runs/${fixture.run.id}`]: [] });
    expect(e2e.errors).toEqual([]);
  });

  test('sees no mutating control on the schedules list at 390 px either', async () => {
    const fixture = await setUp('phone');
    const page = await e2e.newPage(viewports.phone);
    await signInWith(page, fixture.viewerToken);
    await e2e.open('/schedules', page);
    await page.getByRole('link', { name: fixture.schedule.name, exact: true }).waitFor();
    await waitUntilLoaded(page);
    expect(await mutatingControls(page)).toEqual([]);
    expect(await auditLogLink(page).count()).toBe(0);
    expect(e2e.errors).toEqual([]);
  });
});

describe('an admin token, for comparison', () => {
  test('sees the controls the viewer does not', async () => {
    const fixture = await setUp('admin');
    await e2e.signIn();
    const found = await controlsByPage(e2e.page, fixture);
    expect(found['/schedules']).toEqual(expect.arrayContaining(['Run now', 'Pause', 'Backfill', 'Delete', 'New schedule', expect.stringContaining('switch')]));
    expect(found[`/schedules/${fixture.schedule.id}`]).toEqual(expect.arrayContaining(['Run now', 'Pause', 'Save changes']));
    expect(found['/runs']).toEqual(['Enqueue run']);
    expect(found[`/runs/${fixture.run.id}`]).toEqual(['Retry']);
    expect(await auditLogLink(e2e.page).count()).toBe(1);
    expect(e2e.errors).toEqual([]);
  });
});
