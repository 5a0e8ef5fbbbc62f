/** Debian's Chromium driven by playwright-core (no browser download), with the flags this machine needs. */
import { chromium, type Browser } from 'playwright-core';

export async function launchChromium(
  executablePath: string,
): Promise<{ browser: Browser; close(): Promise<void> }> {
  // playwright gives every launch a fresh temporary profile of its own (no --user-data-dir needed).
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    timeout: 30_000,
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}
