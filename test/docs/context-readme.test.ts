// The README's context-retention output is what `schedlab compare` prints today: its figures, which the README
// sets against the published ones, cannot drift from the code.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { schedlabInProcess } from "../cli/in-process.ts";

const COMMAND = "$ npx schedlab compare scenarios/context-retention.json --seeds 10\n";

describe("README, context managers", () => {
  const out = mkdtempSync(join(tmpdir(), "schedlab-context-readme-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("quotes the output of the command it shows", async () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const start = readme.indexOf(COMMAND);
    expect(start).toBeGreaterThan(0);
    const quoted = readme.slice(start + COMMAND.length, readme.indexOf("\n```", start));
    const outcome = await schedlabInProcess("compare", "scenarios/context-retention.json", "--seeds", "10", "--out", out);
    expect(outcome.status, outcome.stderr).toBe(0);
    expect(outcome.stdout.split("\nWrote ")[0]?.trimEnd()).toBe(quoted);
    // The prose that compares them with the published figures quotes the same numbers.
    const prose = readme.slice(readme.indexOf("Against the published figures"), readme.indexOf("## Scenarios"));
    const figures = prose.match(/\d+\.\d+(%|×)/g) ?? [];
    expect(figures.length).toBeGreaterThanOrEqual(3);
    for (const figure of figures.filter((text) => text !== "65.1%")) expect(quoted).toContain(figure);
  }, 60_000);
});
