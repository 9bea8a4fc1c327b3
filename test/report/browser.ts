// Headless Chromium for the report tests and the README screenshot: Debian's chromium driven by playwright-core,
// started so that it reaches for no network (the machine has none) and keeps no profile.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.SCHEDLAB_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** Opens a browser with an empty, temporary user-data directory; `use` gets its context; all is removed after. */
export async function withChromium<T>(use: (context: BrowserContext) => Promise<T>, viewport = { width: 1280, height: 900 }): Promise<T> {
  const profile = mkdtempSync(join(tmpdir(), "schedlab-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    // playwright adds --headless itself for headless: true, and drops it from args.
    args: CHROMIUM_FLAGS.filter((flag) => flag !== "--headless"),
    viewport,
    offline: true,
  });
  try {
    return await use(context);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
