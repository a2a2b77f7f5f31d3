/**
 * Runs in the console: a run triggered with "Run now" appears on the open Runs page and
 * completes there without a reload, and its page shows its logs; a long-running run is
 * cancelled from its page; the Runs page filters by status, in the address.
 */
import { describe, expect, test } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { JobRunWire, ScheduledJobWire } from '../../src/api/wire.js';
import { consoleTestKit, waitUntilLoaded } from '../helpers/browser.js';

const e2e = consoleTestKit();

const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true });
const runsTable = (page: Page) => page.getByRole('table', { name: 'Runs', exact: true });
/** The run's status badge in the header of its page. */
const runStatus = (page: Page) => page.locator('.run-title .badge');
const badgeText = async (badge: Locator) => ((await badge.count()) === 1 ? (await badge.innerText()).trim() : '');

function getRun(id: string): Promise<JobRunWire> {
  return e2e.server.api<JobRunWire>('GET', `/job-runs/${id}`);
}

/** Enqueues a run of `jobType` and waits (API) until it reaches `status`. */
async function finishedRun(jobType: string, status: JobRunWire['status']): Promise<JobRunWire> {
  const run = await e2e.server.api<JobRunWire>('POST', '/job-runs', { job_type: jobType });
  await expect.poll(async () => (await getRun(run.id)).status, { timeout: 15_000 }).toBe(status);
  return run;
}

describe('run now', () => {
  test('a run triggered from the schedules list appears on the open Runs page, completes live, and shows its logs', async () => {
    const name = 'Run-now quick report';
    await e2e.server.api<ScheduledJobWire>('POST', '/scheduled-jobs', { name, job_type: 'quick', cron_expression: '0 5 * * *' });

    // One page triggers; the other watches #/runs, which must update without a reload.
    const trigger = e2e.page;
    const triggerErrors = e2e.errors;
    await e2e.signIn(trigger);
    await e2e.open('/schedules', trigger);
    const scheduleRow = trigger.getByRole('row').filter({ has: trigger.getByRole('link', { name, exact: true }) });
    await scheduleRow.waitFor();

    const watcher = await e2e.newPage();
    await e2e.signIn(watcher);
    await e2e.open('/runs', watcher);
    await heading(watcher, 'Runs').waitFor();
    await waitUntilLoaded(watcher);
    await watcher.evaluate(() => Object.assign(globalThis, { e2eNotReloaded: true }));
    const runRow = runsTable(watcher).getByRole('row').filter({ has: watcher.getByRole('link', { name, exact: true }) });
    expect(await runRow.count()).toBe(0);

    await scheduleRow.getByRole('button', { name: 'Run now', exact: true }).click();
    await trigger.getByRole('status').getByText(`Triggered ${name}: 1 run`, { exact: true }).waitFor();

    await runRow.waitFor();
    await expect.poll(() => badgeText(runRow.locator('.badge')), { timeout: 15_000 }).toBe('completed');
    expect(await runRow.count()).toBe(1);
    expect(await watcher.evaluate(() => (globalThis as { e2eNotReloaded?: boolean }).e2eNotReloaded)).toBe(true);

    await runRow.getByRole('link', { name: 'quick', exact: true }).click();
    await heading(watcher, 'Run: quick').waitFor();
    expect(watcher.url()).toMatch(/#\/runs\/[0-9a-f-]{36}$/);
    expect(await badgeText(runStatus(watcher))).toBe('completed');
    const logs = watcher.getByRole('log', { name: 'Logs' });
    await expect.poll(() => logs.innerText(), { timeout: 10_000 }).toMatch(/step 1[\s\S]*step 2/);
    expect(await getRun(watcher.url().split('/').at(-1)!)).toMatchObject({ job_type: 'quick', status: 'completed', trigger: 'manual' });
    expect(triggerErrors).toEqual([]);
    expect(e2e.errors).toEqual([]);
  });
});

describe('cancelling a run', () => {
  test('a running hold run is cancelled from its page and its status changes live', async () => {
    const { page, server } = e2e;
    const run = await server.api<JobRunWire>('POST', '/job-runs', { job_type: 'hold' });

    await e2e.signIn();
    await e2e.open(`/runs/${run.id}`);
    await heading(page, 'Run: hold').waitFor();
    await expect.poll(() => badgeText(runStatus(page)), { timeout: 15_000 }).toBe('running');
    await expect.poll(() => page.getByRole('log', { name: 'Logs' }).innerText(), { timeout: 15_000 }).toContain('waiting');

    await page.getByRole('button', { name: 'Cancel run', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this run?' });
    await dialog.getByRole('button', { name: 'Cancel run', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    // Without a reload, well before the page's 10 s fallback poll (a live event, or the reload after the cancel).
    await expect.poll(() => badgeText(runStatus(page)), { timeout: 5_000 }).toBe('cancelled');
    expect((await getRun(run.id)).status).toBe('cancelled');
    // A finished run offers Retry instead of Cancel.
    await page.getByRole('button', { name: 'Retry', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel run', exact: true }).count()).toBe(0);
    expect(e2e.errors).toEqual([]);
  });
});

describe('filtering runs by status', () => {
  test('status "failed" shows only failed runs, and the filter stays in the address across a reload', async () => {
    const { page } = e2e;
    const [completed, failed] = await Promise.all([finishedRun('quick', 'completed'), finishedRun('flaky', 'failed')]);
    const rowOf = (run: JobRunWire) => runsTable(page).getByRole('row').filter({ hasText: run.id.slice(-8) });
    const shownStatuses = () => runsTable(page).locator('tbody tr .badge').allInnerTexts();

    await e2e.signIn();
    await e2e.open('/runs');
    await waitUntilLoaded(page);
    await rowOf(completed).waitFor();
    await rowOf(failed).waitFor();

    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    await expect.poll(() => rowOf(completed).count(), { timeout: 10_000 }).toBe(0);
    await rowOf(failed).waitFor();
    expect(new Set(await shownStatuses())).toEqual(new Set(['failed']));
    expect(page.url()).toContain('status=failed');

    await page.reload();
    await heading(page, 'Runs').waitFor();
    await waitUntilLoaded(page);
    await rowOf(failed).waitFor();
    expect(await page.getByLabel('Status', { exact: true }).inputValue()).toBe('failed');
    expect(await rowOf(completed).count()).toBe(0);
    expect(new Set(await shownStatuses())).toEqual(new Set(['failed']));
    expect(e2e.errors).toEqual([]);
  });
});
