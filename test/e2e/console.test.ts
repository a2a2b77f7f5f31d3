/**
 * The console's frame in a real browser: signing in and out, every section at desktop and
 * phone width, and keyboard navigation. Each page's own flows have their own files.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { consoleTestKit, focusedElement, horizontalOverflow, viewports, waitUntilLoaded } from '../helpers/browser.js';

const e2e = consoleTestKit();

const sections = ['Dashboard', 'Schedules', 'Runs', 'Workers', 'Job types', 'Audit log'];

const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true });
const navLink = (page: Page, name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true });

describe('signing in', () => {
  test('the URL that start printed signs in and leaves no token in the address bar', async () => {
    const { page, server } = e2e;
    await page.goto(server.consoleUrl);
    await heading(page, 'Dashboard').waitFor();
    await expect.poll(() => page.url()).not.toContain('token');
    expect(e2e.errors).toEqual([]);
  });

  test('a wrong token shows an error, the right one signs in, and sign out returns to sign-in', async () => {
    const { page, server } = e2e;
    await page.goto(server.url);
    await page.getByLabel('Token').fill('hg_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    await page.getByLabel('Token').waitFor();

    await page.getByLabel('Token').fill(server.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Dashboard').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Token').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    // The 401 of the wrong token is the browser's own console error; nothing else may fail.
    expect(e2e.errors.filter((error) => !error.includes('401'))).toEqual([]);
  });
});

describe('sections', () => {
  test.each([
    ['1280', viewports.desktop],
    ['390', viewports.phone],
  ])('every section renders its heading without errors at %s px', async (width, viewport) => {
    const page = await e2e.newPage(viewport);
    await e2e.signIn(page);
    for (const name of sections) {
      await navLink(page, name).click();
      await heading(page, name).waitFor();
      await waitUntilLoaded(page);
      if (width === '390') {
        const overflow = await horizontalOverflow(page);
        expect(overflow, `${name} scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(1);
      }
    }
    expect(e2e.errors).toEqual([]);
  });
});

describe('keyboard', () => {
  test('Tab from the top reaches the skip link and every section link, each with a visible outline', async () => {
    const { page } = e2e;
    await e2e.signIn();
    const reached: string[] = [];
    for (let press = 0; press < 20 && !sections.every((name) => reached.includes(name)); press += 1) {
      await page.keyboard.press('Tab');
      const focused = await focusedElement(page);
      expect(focused.outlineStyle, `outline of "${focused.text}"`).not.toBe('none');
      reached.push(focused.text);
    }
    expect(reached[0]).toBe('Skip to content');
    expect(reached).toEqual(expect.arrayContaining(sections));
  });

  test('the skip link moves focus to the main content', async () => {
    const { page } = e2e;
    await e2e.signIn();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focusedElement(page)).id).toBe('main');
  });
});
