// The fuzz suite: malformed inputs of every kind (input-kinds.ts) through `schedlab run`, each of which must
// end as harness.ts says. `npm test` runs a CI-sized budget; `npm run test:deep` sets SCHEDLAB_FUZZ_RUNS to
// 10,000 cases or more. A failure is shrunk by fast-check and printed with its seed and path to replay it.

import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { Workspace, related } from "./harness.ts";
import { INPUT_KINDS } from "./input-kinds.ts";
import { HARNESS_MUTANTS, MUTANT_KINDS } from "./mutants.ts";

const RUNS = Number(process.env.SCHEDLAB_FUZZ_RUNS ?? "300");
const SEED = process.env.SCHEDLAB_FUZZ_SEED === undefined ? undefined : Number(process.env.SCHEDLAB_FUZZ_SEED);

const workspace = new Workspace(join(tmpdir(), "schedlab-fuzz"));
afterAll(() => workspace.dispose());

describe("malformed inputs end in one line and exit code 2, write nothing, and answer in time", () => {
  it.each(INPUT_KINDS.map((kind) => [kind.name, kind] as const))("%s files", async (_name, kind) => {
    await fc.assert(
      fc.asyncProperty(kind.cases, (fuzzCase) => workspace.check(fuzzCase)),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  }, 600_000);
});

describe("the property fails on schedlab with a planted bug", () => {
  it.each(Object.entries(HARNESS_MUTANTS))("%s", async (name, system) => {
    for (const kind of INPUT_KINDS.filter((candidate) => MUTANT_KINDS[name]?.includes(candidate.name) ?? true)) {
      const result = await fc.check(
        fc.asyncProperty(kind.cases, (fuzzCase) => workspace.check(fuzzCase, system)),
        { numRuns: 300, seed: 11 },
      );
      expect(result.failed, `${kind.name}: no case failed`).toBe(true);
    }
  });
});

describe("the path relation the harness asks of a message", () => {
  it("relates a path to itself, its ancestors and descendants, and to nothing else", () => {
    expect(related("providers[0].max_concurrent", "providers[0].max_concurrent")).toBe(true);
    expect(related("providers[0]", "providers[0].max_concurrent")).toBe(true);
    expect(related("providers[0].latency.x[0][0]…", "providers[0].latency.x")).toBe(true);
    expect(related("providers[1]", "providers[10].name")).toBe(false);
    expect(related("templates[0].provider", "providers[0].name")).toBe(false);
    expect(related("stop", "")).toBe(false);
    expect(related("", "stop")).toBe(false);
    expect(related("", "")).toBe(true);
  });
});
