// `extends`: merge semantics (objects by field, named lists by name, null and $remove delete, anything else
// replaced), chains, cycles, the depth limit, and problems that name the file an inherited value came from.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXTENDS_DEPTH_MAX } from "../../src/scenario/extends.ts";
import { ScenarioError, checkScenarioFile, loadScenario } from "../../src/scenario/load.ts";

const directory = mkdtempSync(join(tmpdir(), "schedlab-extends-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const file = join(directory, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return file;
}

const BASE = {
  name: "base",
  description: "the base",
  stop: { jobs: 10, duration_ms: 60_000 },
  arrivals: { rate_per_second: 1 },
  providers: [
    { name: "fast", max_concurrent: 4, latency: { time_to_first_token_ms: 300, decode_tokens_per_second: 100 }, outages: [{ start_ms: 0, end_ms: 10 }] },
    { name: "smart", max_concurrent: 2, latency: { time_to_first_token_ms: 900, decode_tokens_per_second: 60 } },
  ],
  templates: [
    { name: "chat", tenant: "acme", provider: "fast", input_tokens: 500, output_tokens: 100, max_output_tokens: 256 },
    { name: "deep", tenant: "beta", provider: "smart", input_tokens: { kind: "empirical", values: [1000, 2000] }, output_tokens: 300, max_output_tokens: 512 },
  ],
  policies: [{ name: "a", global_max_concurrent: 4 }, { name: "b" }],
};
write("base.json", BASE);

function errorsOf(file: string): string[] {
  return checkScenarioFile(file).errors.map((problem) => `${problem.path}: ${problem.message}${problem.origin === file ? "" : ` [${problem.origin}]`}`);
}

describe("extends merges", () => {
  it("objects field by field, keeping what the file does not override", () => {
    const scenario = loadScenario(write("objects.json", { extends: "./base.json", name: "objects", stop: { jobs: 20 } }));
    expect(scenario.name).toBe("objects");
    expect(scenario.description).toBe("the base");
    expect(scenario.stop).toEqual({ jobs: 20, durationMs: 60_000 });
  });

  it("removes a field set to null", () => {
    const scenario = loadScenario(write("nulls.json", { extends: "./base.json", stop: { duration_ms: null }, description: null }));
    expect(scenario.stop).toEqual({ jobs: 10, durationMs: undefined });
    expect(scenario.description).toBe("");
  });

  it("named entries by name, in the base's order, appending new names", () => {
    const scenario = loadScenario(
      write("named.json", {
        extends: "./base.json",
        providers: [{ name: "smart", max_concurrent: 8 }, { name: "new", max_concurrent: 1, latency: { time_to_first_token_ms: 1, decode_tokens_per_second: 1 } }],
      }),
    );
    expect(scenario.providers.map((provider) => [provider.name, provider.maxConcurrent])).toEqual([["fast", 4], ["smart", 8], ["new", 1]]);
    expect(scenario.providers[1]?.latency.timeToFirstTokenMs).toEqual({ kind: "constant", value: 900 });
  });

  it("removes a named entry with $remove, and names a removal that matches nothing with a did-you-mean", () => {
    const scenario = loadScenario(write("remove.json", { extends: "./base.json", policies: [{ name: "a", $remove: true }] }));
    expect(scenario.policies.map((policy) => policy.name)).toEqual(["b"]);
    const file = write("remove-typo.json", { extends: "./base.json", policies: [{ name: "aa", $remove: true }] });
    expect(errorsOf(file)).toEqual(['policies[0].name: the base has no entry named "aa" to remove; did you mean "a"?']);
    const extra = write("remove-extra.json", { extends: "./base.json", policies: [{ name: "a", $remove: true, global_max_concurrent: 2 }] });
    expect(errorsOf(extra)[0]).toMatch(/^policies\[0\]: an entry that removes takes only "name" and "\$remove": true/);
  });

  it("replaces lists that are not lists of named entries, and every other value", () => {
    const scenario = loadScenario(
      write("replace.json", { extends: "./base.json", providers: [{ name: "fast", outages: [{ start_ms: 5, end_ms: 6 }] }], templates: [{ name: "deep", input_tokens: { kind: "empirical", values: [7] } }] }),
    );
    expect(scenario.providers[0]?.outages).toEqual([{ startMs: 5, endMs: 6, status: "error" }]);
    expect(scenario.templates[1]?.inputTokens).toEqual({ kind: "empirical", values: [7] });
  });

  it("follows a chain, nearest file last, with paths relative to each file", () => {
    write("middle.json", { extends: "./base.json", stop: { jobs: 30 }, description: "middle" });
    const scenario = loadScenario(write("top.json", { extends: "middle.json", name: "top" }));
    expect([scenario.name, scenario.description, scenario.stop.jobs]).toEqual(["top", "middle", 30]);
  });
});

describe("extends refuses", () => {
  it("a file that extends itself, naming the chain", () => {
    const file = write("self.json", { extends: "./self.json", name: "self" });
    expect(errorsOf(file)).toEqual([`extends: extends cycle: ${file} → ${join(directory, "self.json")}`]);
  });

  it("a chain longer than the limit", () => {
    for (let index = 0; index < EXTENDS_DEPTH_MAX + 1; index += 1) write(`chain-${index}.json`, { extends: `./chain-${index + 1}.json` });
    write(`chain-${EXTENDS_DEPTH_MAX + 1}.json`, BASE);
    const [first] = errorsOf(join(directory, "chain-0.json"));
    expect(first).toMatch(new RegExp(`^extends: more than ${EXTENDS_DEPTH_MAX} files in the extends chain: `));
  });

  it("a base that is not valid JSON, naming the base and the line", () => {
    write("broken-base.json", '{\n  "name": "x",\n}');
    const file = write("on-broken.json", { extends: "./broken-base.json" });
    expect(errorsOf(file)).toEqual([`extends: "./broken-base.json": ${join(directory, "broken-base.json")}: not valid JSON: expected a property name in double quotes at line 3, column 1`]);
  });

  it("an extends that is not a string, through the schema", () => {
    expect(errorsOf(write("number-extends.json", { ...BASE, extends: 3 }))[0]).toMatch(/^extends: .*expected string/);
  });
});

describe("problems in a merged file", () => {
  it("name the base a bad inherited value came from, and not the file's own", () => {
    write("bad-base.json", { ...BASE, arrivals: { rate_per_second: -1 } });
    const file = write("on-bad.json", { extends: "./bad-base.json", stop: { jobs: -1 } });
    expect(errorsOf(file)).toEqual([
      "stop.jobs: Too small: expected number to be >=0 (got -1)",
      `arrivals.rate_per_second: Too small: expected number to be >0 (got -1) [${join(directory, "bad-base.json")}]`,
    ]);
    const error = (() => {
      try {
        loadScenario(file);
      } catch (thrown) {
        return thrown as ScenarioError;
      }
      throw new Error("accepted");
    })();
    expect(error.message).toBe(`${file}: stop.jobs: Too small: expected number to be >=0 (got -1) (and 1 more problem: 'schedlab validate ${file}' lists them all)`);
  });
});
