// report.html of a real `schedlab compare` and of a real `schedlab sweep`, opened from disk in headless Chromium with no network: every chart of
// every choice renders with data and paints its canvas, the page asks for nothing outside the file, and the
// console stays free of errors and warnings. Without Chromium a developer's run skips with a message; CI sets
// SCHEDLAB_REQUIRE_CHROMIUM=1 (and CI=true), which turns a missing Chromium into a failure.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_PATH, chromiumAvailable, withChromium } from "./browser.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const required = process.env.SCHEDLAB_REQUIRE_CHROMIUM === "1" || process.env.CI === "true";
const available = chromiumAvailable();
if (!available && !required) {
  console.warn(`report.html browser test skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set SCHEDLAB_CHROMIUM)`);
}

interface ChartOnScreen {
  readonly id: string;
  readonly title: string;
  readonly datasets: number;
  readonly points: number;
  /** Canvas pixels that are not blank. */
  readonly painted: number;
  /** Interval bands drawn (sweep charts). */
  readonly bands: number;
  /** The y axis: "linear" or "logarithmic". */
  readonly yScale: string;
}

let folder = "";
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "schedlab-html-"));
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "compare", "default", "--seeds", "2", "--out", folder], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (result.status !== 0) throw new Error(`compare failed: ${result.stderr}`);
  // A string parameter on the x axis (labelled positions) and a second parameter picked from a list.
  const swept = spawnSync(
    process.execPath,
    [
      "--import", "tsx", "src/cli/main.ts", "sweep", "default", "--param", "arrivals.process=poisson,constant", "--param", "providers[fast].max_concurrent=8,16",
      "--policies", "fifo-retry-after,fifo-fixed-retry", "--seeds", "2", "--out", join(folder, "sweep"),
    ],
    { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
  );
  if (swept.status !== 0) throw new Error(`sweep failed: ${swept.stderr}`);
  // From a saturated provider to an idle one: P95 spans decades and is drawn on a log scale.
  const saturated = spawnSync(
    process.execPath,
    ["--import", "tsx", "src/cli/main.ts", "sweep", "default", "--param", "providers[fast].max_concurrent=4,16", "--policies", "fifo-retry-after", "--seeds", "2", "--out", join(folder, "log-sweep")],
    { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
  );
  if (saturated.status !== 0) throw new Error(`sweep failed: ${saturated.stderr}`);
  // Sessions only: the context managers' charts, and no empty scheduling charts.
  const sessions = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "compare", "context-retention", "--seeds", "2", "--out", join(folder, "context")], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (sessions.status !== 0) throw new Error(`compare failed: ${sessions.stderr}`);
}, 250_000);
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

/**
 * Run in the page (as source text: the tests compile without the DOM's types): the charts on screen, each with
 * how many canvas pixels it painted. It reads a copy of each canvas, since reading a chart's own canvas back
 * makes Chromium warn about readback speed.
 */
const CHARTS_ON_SCREEN = `window.schedlabReport.charts().map((chart) => {
  const canvas = document.getElementById("chart-" + chart.id);
  const copy = document.createElement("canvas");
  copy.width = canvas.width;
  copy.height = canvas.height;
  const context = copy.getContext("2d", { willReadFrequently: true });
  context.drawImage(canvas, 0, 0);
  const pixels = context.getImageData(0, 0, copy.width, copy.height).data;
  let painted = 0;
  for (let index = 3; index < pixels.length; index += 4) if (pixels[index] > 0) painted += 1;
  return { ...chart, painted };
})`;

interface PageData {
  blocks: { options?: { charts: { series: { points: unknown[]; intervals?: unknown[] }[] }[] }[] }[];
}

/** The page with its chart data changed by `edit`. */
function withData(html: string, edit: (data: PageData) => void): string {
  const start = html.indexOf(DATA_OPEN) + DATA_OPEN.length;
  const end = html.indexOf("</script>", start);
  const data = JSON.parse(html.slice(start, end)) as PageData;
  edit(data);
  return html.slice(0, start) + JSON.stringify(data).replaceAll("<", "\\u003c") + html.slice(end);
}

/** The page with every interval of every chart taken out: lines with nothing to band. */
function withoutIntervals(html: string): string {
  return withData(html, (data) => {
    for (const block of data.blocks) for (const option of block.options ?? []) for (const chart of option.charts) for (const series of chart.series) delete series.intervals;
  });
}

/** The page with every point of the first chart block's first option taken out. */
function withoutCdfPoints(html: string): string {
  return withData(html, (data) => {
    for (const series of data.blocks[0]?.options?.[0]?.charts[0]?.series ?? []) series.points = [];
  });
}
const DATA_OPEN = '<script id="report-data" type="application/json">';

/** Opens a report page, goes through every option of every choice, and returns what went wrong and what was drawn. */
async function inspect(file: string): Promise<{ problems: string[]; seen: Map<string, ChartOnScreen> }> {
  const problems: string[] = [];
  const seen = new Map<string, ChartOnScreen>();
    await withChromium(async (context) => {
      const page = await context.newPage();
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning") problems.push(`console ${message.type()}: ${message.text()}`);
      });
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      page.on("request", (request) => {
        if (!/^(file|data):/.test(request.url())) problems.push(`request: ${request.url()}`);
      });
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector("body[data-charts-ready]", { timeout: 30_000 });
      const record = async (): Promise<void> => {
        const charts = (await page.evaluate(CHARTS_ON_SCREEN)) as ChartOnScreen[];
        for (const chart of charts) seen.set(chart.id, chart);
      };
      await record();
      const selects = await page.locator("select").count();
      for (let index = 0; index < selects; index += 1) {
        const select = page.locator("select").nth(index);
        const values = await select.locator("option").evaluateAll((options) => options.map((option) => option.getAttribute("value") ?? ""));
        for (const value of values) {
          await select.selectOption(value);
          await record();
        }
      }
    });
  return { problems, seen };
}

describe.skipIf(!available && !required)("report.html in headless Chromium", () => {
  it("Chromium is there (CI requires it)", () => {
    expect(available, `no Chromium at ${CHROMIUM_PATH}; .ci/run installs Debian's chromium`).toBe(true);
  });

  it("refers to nothing outside the file", () => {
    const html = readFileSync(join(folder, "report.html"), "utf8");
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href="(?!data:)/i);
    expect(html).not.toMatch(/url\(\s*["']?https?:/i);
  });

  it("renders every chart of every choice with data, without a console error or warning", async () => {
    const { problems, seen } = await inspect(join(folder, "report.html"));
    expect(problems).toEqual([]);
    const ids = [...seen.keys()];
    for (const expected of ["cdf-all", "cdf-lane-interactive", "cdf-tenant-alpha", "p95-lane", "p95-tenant", "ratio-p95", "service-share"]) {
      expect(ids).toContain(expected);
    }
    for (const policy of ["fifo-retry-after", "fifo-fixed-retry", "fifo-no-global-cap"]) {
      for (const kind of ["queue", "held", "providers"]) expect(ids).toContain(`${kind}-${policy}`);
    }
    for (const chart of seen.values()) {
      expect(chart.datasets, chart.title).toBeGreaterThan(0);
      expect(chart.points, chart.title).toBeGreaterThan(0);
      expect(chart.painted, chart.title).toBeGreaterThan(1000);
    }
  }, 120_000);

  it("renders every chart of a sweep report, each with a 95% band per policy", async () => {
    const { problems, seen } = await inspect(join(folder, "sweep", "report.html"));
    expect(problems).toEqual([]);
    const ids = [...seen.keys()];
    for (const slice of ["s0", "s1"]) {
      for (const kind of ["p95-all", "p95-lane-interactive", "p95-lane-batch", "throughput-arriving", "throughput-whole", "cost", "429s"]) {
        expect(ids).toContain(`sweep-${kind}-${slice}`);
      }
    }
    for (const chart of seen.values()) {
      expect(chart.datasets, chart.title).toBe(2);
      expect(chart.points, chart.title).toBe(4);
      expect(chart.painted, chart.title).toBeGreaterThan(1000);
      expect(chart.bands, chart.title).toBeGreaterThan(0);
    }
  }, 120_000);

  it("draws a P95 that spans decades on a log scale, with its bands", async () => {
    const { problems, seen } = await inspect(join(folder, "log-sweep", "report.html"));
    expect(problems).toEqual([]);
    const p95 = seen.get("sweep-p95-all-s0");
    expect(p95?.yScale).toBe("logarithmic");
    expect(p95?.bands).toBeGreaterThan(0);
    expect(seen.get("sweep-throughput-arriving-s0")?.yScale).toBe("linear");
  }, 120_000);

  it("renders a sessions-only comparison's context charts, and leaves out the scheduling charts it has no jobs for", async () => {
    const { problems, seen } = await inspect(join(folder, "context", "report.html"));
    expect(problems).toEqual([]);
    expect([...seen.keys()].sort()).toEqual(["context-retention", "context-tokens"]);
    const retention = seen.get("context-retention");
    // One dataset per manager; all probes, pinned facts, importance bands and session lengths.
    expect(retention?.datasets).toBe(3);
    expect(retention?.points).toBeGreaterThanOrEqual(3 * 5);
    for (const chart of seen.values()) expect(chart.painted, chart.title).toBeGreaterThan(1000);
  }, 120_000);

  it("catches a sweep chart drawn without its bands", async () => {
    const html = readFileSync(join(folder, "sweep", "report.html"), "utf8");
    const bare = join(folder, "planted-no-bands.html");
    writeFileSync(bare, withoutIntervals(html));
    const charts = [...(await inspect(bare)).seen.values()];
    expect(charts.length).toBeGreaterThan(0);
    expect(charts.every((chart) => chart.bands === 0)).toBe(true);
  }, 120_000);

  it("catches planted faults: a warning on the console, and a chart drawn without data", async () => {
    const html = readFileSync(join(folder, "report.html"), "utf8");
    const warning = join(folder, "planted-warning.html");
    writeFileSync(warning, html.replace("</body>", '<script>console.warn("planted")</script></body>'));
    expect((await inspect(warning)).problems).toContain("console warning: planted");
    const empty = join(folder, "planted-empty.html");
    writeFileSync(empty, withoutCdfPoints(html));
    const emptied = [...(await inspect(empty)).seen.values()].filter((chart) => chart.points === 0);
    expect(emptied.length).toBeGreaterThan(0);
  }, 120_000);
});
