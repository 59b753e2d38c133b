/**
 * A headless Chromium for the dashboard tests: Debian's `chromium` (provisioned like Docker and Redis;
 * Playwright's own browser download is not used) driven by playwright-core, with a fresh profile and
 * without the background traffic (updates, sync, QUIC) a browser would send on its own. Each page
 * records what must never happen in the dashboard: dialogs (an injected script calling alert), page
 * errors and console errors (a CSP violation is reported as one).
 *
 *   const browser = await launchBrowser();
 *   const { page, problems } = await browser.page();
 *   ...; expect(problems).toEqual([]);
 *   await browser.close();
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['DOCKHAND_CHROMIUM'] ?? '/usr/bin/chromium';

const QUIET_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface WatchedPage {
  page: Page;
  /** Dialogs opened, uncaught errors and console errors, as text. */
  problems: string[];
}

export interface TestBrowser {
  page(options?: { viewport?: { width: number; height: number }; expectErrors?: boolean }): Promise<WatchedPage>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'dockhand-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: QUIET_FLAGS,
    viewport: { width: 1280, height: 860 },
    timezoneId: 'Europe/Berlin',
    locale: 'en-GB',
  });
  return {
    async page(options = {}) {
      const page = await context.newPage();
      if (options.viewport) await page.setViewportSize(options.viewport);
      const problems: string[] = [];
      page.on('dialog', (dialog) => {
        problems.push(`dialog ${dialog.type()}: ${dialog.message()}`);
        void dialog.dismiss();
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      return { page, problems };
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Where the tests put their screenshots: DOCKHAND_SCREENSHOTS (docs/screenshots to refresh the README's), else a temp dir. */
export async function screenshotDir(): Promise<string> {
  const dir = process.env['DOCKHAND_SCREENSHOTS'] ?? path.join(os.tmpdir(), 'dockhand-screenshots');
  await mkdir(dir, { recursive: true });
  return dir;
}
