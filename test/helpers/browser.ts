/**
 * End-to-end tests of the console: a real `hourglass start` (the built binary, embedded PGlite
 * in a fresh temporary directory, a random port) and headless Chromium driven by playwright-core.
 *
 * `consoleTestKit()` wires both into one test file: the server and browser start once per file,
 * every test gets a fresh browser context (its own session storage, so it starts signed out),
 * and every test's last page is saved as `test-results/<test name>.png`, failed or not.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { projectRoot, spawnCli } from './cli.js';
import { waitFor } from './wait.js';

export const viewports = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

const resultsDir = join(projectRoot, 'test-results');

export interface ConsoleServer {
  /** Base URL without a trailing slash, e.g. `http://localhost:41234`. */
  url: string;
  /** The URL `start` printed: signs in with the initial admin token. */
  consoleUrl: string;
  adminToken: string;
  /** Calls `/api/admin<path>` (admin token unless `token`); throws on a non-2xx answer. */
  api<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<T>;
  /** Everything the process printed so far (its log lines). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `hourglass start --config test/fixtures/e2e.config.ts` and waits for its console URL. */
export async function startConsoleServer(): Promise<ConsoleServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hourglass-e2e-'));
  const cli = spawnCli(['start', '--config', 'test/fixtures/e2e.config.ts'], {
    DATABASE_URL: undefined,
    HOURGLASS_SCHEMA: undefined,
    HOURGLASS_DATA_DIR: dataDir,
  });
  const exited = () => cli.child.exitCode !== null || cli.child.signalCode !== null;

  async function stop(): Promise<void> {
    if (!exited()) {
      cli.child.kill('SIGTERM');
      const timer = setTimeout(() => cli.child.kill('SIGKILL'), 15_000);
      await cli.exited.finally(() => clearTimeout(timer));
    }
    rmSync(dataDir, { recursive: true, force: true });
  }

  let match: RegExpExecArray;
  try {
    match = await waitFor(
      () => {
        if (exited()) throw new Error(`hourglass start exited early:\n${cli.output()}`);
        return /Console: (http:\/\/\S+?)\/#token=(hg_\S+)/.exec(cli.output());
      },
      { timeoutMs: 60_000, intervalMs: 50, message: 'the console URL from hourglass start' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const [consoleUrl, url, adminToken] = [match[0].slice('Console: '.length), match[1]!, match[2]!];

  async function api<T>(method: string, path: string, body?: unknown, token = adminToken): Promise<T> {
    const response = await fetch(`${url}/api/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  return { url, consoleUrl, adminToken, api, output: cli.output, stop };
}

/** Headless Chromium from the system (`/usr/bin/chromium`, or CHROMIUM_PATH). */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath} (set CHROMIUM_PATH, or: apt-get install -y chromium; .ci/run does this)`);
  }
  // Without the background-networking flags Chromium keeps dialling Google on a closed network.
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that records console errors and uncaught exceptions in `errors`. */
export interface TrackedPage {
  page: Page;
  errors: string[];
}

async function openPage(context: BrowserContext): Promise<TrackedPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  return { page, errors };
}

/** Waits until no `Loading` placeholder (`.loading`) is left on the page. */
export async function waitUntilLoaded(page: Page, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => (await page.locator('.loading').count()) === 0, { timeoutMs, message: 'the page to finish loading' });
}

// What `page.evaluate` reads in the browser. The project compiles without the DOM library, so
// the little these helpers use is declared here, for this module only.
declare const document: { documentElement: { scrollWidth: number; clientWidth: number }; activeElement: FocusedElement | null };
declare function getComputedStyle(element: FocusedElement): { outlineStyle: string };
interface FocusedElement {
  id: string;
  innerText: string;
}

/** How far the document scrolls sideways (0 when it fits the viewport). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** The focused element's id, text and computed outline style. */
export function focusedElement(page: Page): Promise<{ id: string; text: string; outlineStyle: string }> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element) return { id: '', text: '', outlineStyle: 'none' };
    return { id: element.id, text: element.innerText.trim(), outlineStyle: getComputedStyle(element).outlineStyle };
  });
}

/** `test-results/<slug>.png` for a test name. */
export function screenshotPath(testName: string): string {
  const slug = testName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 120);
  return join(resultsDir, `${slug}.png`);
}

/**
 * Server, browser and a fresh page per test for one test file. Read `server`, `page` and
 * `errors` inside tests (the hooks set them).
 */
export function consoleTestKit() {
  let server: ConsoleServer | undefined;
  let browser: Browser | undefined;
  let contexts: BrowserContext[] = [];
  let current: TrackedPage | undefined;

  const kit = {
    get server(): ConsoleServer {
      return server!;
    },
    /** The test's latest page: the one its screenshot shows. */
    get page(): Page {
      return current!.page;
    },
    /** Console errors and uncaught exceptions of `page`. */
    get errors(): string[] {
      return current!.errors;
    },
    /** Opens a page in a new context (signed out), e.g. at `viewports.phone`; it becomes `page`. */
    async newPage(viewport: { width: number; height: number } = viewports.desktop): Promise<Page> {
      const context = await browser!.newContext({ viewport });
      // Locators wait at most this long: a missing element fails fast, well inside the test timeout.
      context.setDefaultTimeout(10_000);
      contexts.push(context);
      current = await openPage(context);
      return current.page;
    },
    /** Goes to a console route (`/runs?status=failed`, the part after `#`) in `page` (default: the latest). */
    async open(route: string, page: Page = current!.page): Promise<void> {
      await page.goto(`${server!.url}/#${route}`);
    },
    /** Opens the URL `start` printed in `page` (default: the latest) and waits for the dashboard. */
    async signIn(page: Page = current!.page): Promise<void> {
      await page.goto(server!.consoleUrl);
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    },
  };

  beforeAll(async () => {
    // Both at once: Chromium starts while PGlite migrates.
    const [started, launched] = await Promise.allSettled([startConsoleServer(), launchBrowser()]);
    if (started.status === 'fulfilled') server = started.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
    }
  });

  beforeEach(async () => {
    await kit.newPage();
  });

  afterEach(async ({ task }) => {
    try {
      mkdirSync(resultsDir, { recursive: true });
      await current?.page.screenshot({ path: screenshotPath(task.fullTestName ?? task.name), fullPage: true });
    } catch (error) {
      console.warn(`no screenshot of "${task.name}": ${(error as Error).message}`);
    } finally {
      await Promise.all(contexts.map((context) => context.close()));
      contexts = [];
      current = undefined;
    }
  });

  return kit;
}
