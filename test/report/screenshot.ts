// Takes the README's screenshot of a report.html, the way the browser test opens one (browser.ts):
//   npx tsx test/report/screenshot.ts reports/default-compare/report.html docs/report-screenshot.png
//   npx tsx test/report/screenshot.ts reports/default-sweep/report.html docs/sweep-screenshot.png sweep-p95
// It captures from a section on (by default the latency CDF, then the P95 chart), at a small size.

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { withChromium } from "./browser.ts";

const [report, output, section = "latency-cdf"] = process.argv.slice(2);
if (report === undefined || output === undefined) {
  process.stderr.write("usage: npx tsx test/report/screenshot.ts REPORT.html OUT.png [SECTION-ID]\n");
  process.exit(2);
}

await withChromium(
  async (context) => {
    const page = await context.newPage();
    await page.goto(pathToFileURL(resolve(report)).href);
    await page.waitForSelector("body[data-charts-ready]");
    const top = await page.locator(`#${section}`).boundingBox();
    // The viewport is tall enough to hold the clip: a full-page capture resizes it, and Chart.js then redraws late.
    await page.screenshot({ path: output, clip: { x: 0, y: top?.y ?? 0, width: 1000, height: 980 } });
  },
  { width: 1000, height: 2400 },
);
process.stdout.write(`Wrote ${output}\n`);
