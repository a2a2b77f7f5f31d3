/**
 * Schedules in the console: creating one in the form (live cron check, next runs in the chosen
 * zone), and steering it from the list (the Active switch, pause with a note, resume). Each
 * test works on its own schedule, so they do not depend on one another.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { CronValidateWire, ScheduledJobWire } from '../../src/api/wire.js';
import { consoleTestKit, waitUntilLoaded } from '../helpers/browser.js';

const e2e = consoleTestKit();

const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true });

/** The schedules-table row whose name link is `name`. */
const scheduleRow = (page: Page, name: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });

function getSchedule(id: string): Promise<ScheduledJobWire> {
  return e2e.server.api<ScheduledJobWire>('GET', `/scheduled-jobs/${id}`);
}

describe('creating a schedule in the form', () => {
  test('an invalid cron shows the server reason inline; a valid one previews its next runs in the chosen zone', async () => {
    const { page, server } = e2e;
    const name = 'Form nightly report';
    const invalidCron = '61 * * * *';
    const check = await server.api<CronValidateWire>('POST', '/cron/validate', { cron_expression: invalidCron, timezone: 'UTC' });
    if (check.valid) throw new Error(`"${invalidCron}" was expected to be invalid`);

    await e2e.signIn();
    await e2e.open('/schedules/new');
    await heading(page, 'New schedule').waitFor();
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Target', { exact: true }).selectOption('single_job');
    await page.getByLabel('Job type', { exact: true }).selectOption('quick');
    await page.getByLabel('Timing', { exact: true }).selectOption('cron');

    const cron = page.getByLabel('Cron expression', { exact: true });
    await cron.fill(invalidCron);
    const cronError = page.locator('#cron_expression-error');
    await cronError.waitFor();
    expect(await cronError.getAttribute('role')).toBe('alert');
    expect(await cronError.innerText()).toBe(check.error.message);
    expect(await cron.getAttribute('aria-invalid')).toBe('true');

    await cron.fill('30 2 * * *');
    await page.getByLabel('Time zone', { exact: true }).fill('America/New_York');
    await cronError.waitFor({ state: 'detached' });
    expect(await cron.getAttribute('aria-invalid')).toBeNull();
    const slots = page.getByRole('list', { name: 'Next runs' }).getByRole('listitem');
    // The preview follows the typing (debounced): 5 slots at 02:30 on New York's wall clock.
    const newYorkSlot = expect.stringMatching(/ 02:30:00 E[SD]T \(America\/New_York\)/);
    await expect.poll(() => slots.allInnerTexts(), { timeout: 10_000 }).toEqual(Array(5).fill(newYorkSlot));

    // A blackout window: bad JSON is refused inline, the server's refusal of a bad cron in it
    // shows under it too, and a valid array is saved.
    const blackout = page.getByLabel('Blackout windows (JSON)', { exact: true });
    const blackoutError = page.locator('#exclusions-error');
    await blackout.fill('[{"cron": ');
    await expect.poll(() => blackoutError.innerText(), { timeout: 10_000 }).toContain('Not valid JSON');
    await blackout.fill('[{"cron": "61 * * * *"}]');
    await page.getByRole('button', { name: 'Create schedule', exact: true }).click();
    await expect.poll(() => blackoutError.innerText(), { timeout: 10_000 }).toContain('61');
    await blackout.fill('[{"cron": "* * * * SUN", "reason": "weekly freeze"}]');

    await page.getByRole('button', { name: 'Create schedule', exact: true }).click();
    await heading(page, name).waitFor();
    expect(page.url()).toMatch(/#\/schedules\/[0-9a-f-]{36}$/);
    const created = await getSchedule(page.url().split('/').at(-1)!);
    expect(created).toMatchObject({ name, job_type: 'quick', cron_expression: '30 2 * * *', timezone: 'America/New_York', status: 'active', exclusions: [{ cron: '* * * * SUN', reason: 'weekly freeze' }] });
    // The one refused create (the bad blackout cron) is the browser's own console line.
    expect(e2e.errors).toEqual([expect.stringContaining('status of 400')]);
  });
});

describe('the Active switch', () => {
  test('turning a schedule off and on changes its status in the list and in the API', async () => {
    const { page, server } = e2e;
    const name = 'Switch hourly sync';
    const schedule = await server.api<ScheduledJobWire>('POST', '/scheduled-jobs', { name, job_type: 'quick', cron_expression: '0 * * * *' });

    await e2e.signIn();
    await e2e.open('/schedules');
    await heading(page, 'Schedules').waitFor();
    const toggle = page.getByRole('switch', { name: `Active: ${name}` });
    expect(await toggle.isChecked()).toBe(true);

    await toggle.click();
    await expect.poll(async () => (await getSchedule(schedule.id)).status, { timeout: 10_000 }).toBe('inactive');
    await expect.poll(() => toggle.isChecked(), { timeout: 10_000 }).toBe(false);
    await page.getByRole('status').getByText(`Deactivated ${name}`, { exact: true }).waitFor();

    await toggle.click();
    await expect.poll(async () => (await getSchedule(schedule.id)).status, { timeout: 10_000 }).toBe('active');
    await expect.poll(() => toggle.isChecked(), { timeout: 10_000 }).toBe(true);
    await page.getByRole('status').getByText(`Activated ${name}`, { exact: true }).waitFor();
    expect(e2e.errors).toEqual([]);
  });
});

describe('pausing with a note', () => {
  test('Pause asks for a note, the row shows paused and the API keeps the note; Resume reactivates it', async () => {
    const { page, server } = e2e;
    const name = 'Pause weekly cleanup';
    const note = 'Database maintenance until Monday';
    const schedule = await server.api<ScheduledJobWire>('POST', '/scheduled-jobs', { name, job_type: 'quick', cron_expression: '0 4 * * 1' });

    await e2e.signIn();
    await e2e.open('/schedules');
    const row = scheduleRow(page, name);
    await row.waitFor();
    await waitUntilLoaded(page);
    await row.getByRole('button', { name: 'Pause', exact: true }).click();

    const dialog = page.getByRole('dialog', { name: `Pause ${name}` });
    await dialog.getByLabel('Note', { exact: true }).fill(note);
    await dialog.getByRole('button', { name: 'Pause', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    await row.getByText('paused', { exact: true }).waitFor();
    await expect.poll(() => page.getByRole('switch', { name: `Active: ${name}` }).isChecked(), { timeout: 10_000 }).toBe(false);
    expect(await getSchedule(schedule.id)).toMatchObject({ status: 'paused', pause_note: note, paused_until: null });

    await row.getByRole('button', { name: 'Resume', exact: true }).click();
    await row.getByRole('button', { name: 'Pause', exact: true }).waitFor();
    await expect.poll(async () => (await getSchedule(schedule.id)).status, { timeout: 10_000 }).toBe('active');
    await expect.poll(() => row.getByText('paused', { exact: true }).count(), { timeout: 10_000 }).toBe(0);
    expect(await page.getByRole('switch', { name: `Active: ${name}` }).isChecked()).toBe(true);
    expect(e2e.errors).toEqual([]);
  });
});
