// Reading scenario files: the repository's default loads, omitted fields get the defaults schema.ts
// declares, and every bad input becomes a one-line ScenarioError naming the file, the path and the value.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScenarioError, loadScenario, parseScenario } from "../../src/scenario/load.ts";
import { scenarioSchema } from "../../src/scenario/schema.ts";

const FILE = "mini.json";
const DEFAULT_FILE = fileURLToPath(new URL("../../scenarios/default.json", import.meta.url));

/** The smallest valid scenario: every field that has a default is left out. */
const MINIMAL = {
  name: "mini",
  stop: { jobs: 10 },
  arrivals: { rate_per_second: 1 },
  providers: [{ name: "solo", max_concurrent: 2, latency: { time_to_first_token_ms: 100, decode_tokens_per_second: 50 } }],
  templates: [{ name: "ask", provider: "solo", input_tokens: 100, output_tokens: 50, max_output_tokens: 200 }],
  policies: [{ name: "steady" }],
} as const;

const REMOVE = Symbol("remove");
type Edit = readonly [path: readonly (string | number)[], value: unknown];

/** MINIMAL deep-cloned, with each edit setting (or, for REMOVE, deleting) the value at its path; as JSON text. */
function variant(...edits: readonly Edit[]): string {
  const copy: unknown = structuredClone(MINIMAL);
  for (const [path, value] of edits) {
    let parent = copy as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (last === undefined) throw new Error("an edit needs a non-empty path");
    if (value === REMOVE) delete parent[last];
    else parent[last] = value;
  }
  return JSON.stringify(copy, null, 2);
}

function errorFrom(action: () => unknown): ScenarioError {
  try {
    action();
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error("expected a ScenarioError, but the scenario was accepted");
}

/** Parses text that must fail, and checks what every scenario error promises: one line, file, path, details. */
function expectRejected(text: string, path: string, ...details: string[]): ScenarioError {
  const error = errorFrom(() => parseScenario(text, FILE));
  expect(error.name).toBe("ScenarioError");
  expect(error.file).toBe(FILE);
  expect(error.path).toBe(path);
  expect(error.message.includes("\n"), `one line expected: ${JSON.stringify(error.message)}`).toBe(false);
  expect(error.message.startsWith(`${FILE}: `)).toBe(true);
  if (path !== "") expect(error.message).toContain(`${FILE}: ${path}: `);
  for (const detail of details) expect(error.message).toContain(detail);
  return error;
}

/** The "line L, column C" of the first occurrence of `needle` in `text`, both counted from 1. */
function lineAndColumnOf(text: string, needle: string): string {
  const position = text.indexOf(needle);
  if (position < 0) throw new Error(`"${needle}" is not in the text`);
  const before = text.slice(0, position);
  return `line ${before.split("\n").length}, column ${position - before.lastIndexOf("\n")}`;
}

describe("loading valid scenarios", () => {
  it("loads scenarios/default.json with the names and values the file gives", () => {
    const raw = JSON.parse(readFileSync(DEFAULT_FILE, "utf8")) as {
      name: string;
      providers: { name: string; max_concurrent: number }[];
      templates: { name: string }[];
      policies: { name: string }[];
    };
    const scenario = loadScenario(DEFAULT_FILE);
    expect(scenario.name).toBe(raw.name);
    expect(scenario.providers.map((provider) => provider.name)).toEqual(raw.providers.map((provider) => provider.name));
    expect(scenario.providers.map((provider) => provider.maxConcurrent)).toEqual(raw.providers.map((provider) => provider.max_concurrent));
    expect(scenario.templates.map((template) => template.name)).toEqual(raw.templates.map((template) => template.name));
    expect(scenario.policies.map((policy) => policy.name)).toEqual(raw.policies.map((policy) => policy.name));
  });

  it("fills in scenario-level defaults for a minimal scenario", () => {
    const scenario = parseScenario(variant(), FILE);
    expect(scenario).toMatchObject({
      name: "mini",
      description: "",
      seed: 1,
      seeds: 5,
      stop: { jobs: 10, durationMs: undefined },
      arrivals: { process: "poisson", ratePerSecond: 1 },
      workers: { spawnMs: { kind: "constant", value: 0 } },
      limits: { maxEvents: 200_000_000 },
    });
  });

  it("fills in provider defaults: no rate limit, 20 ms rejects, no errors, no outages, bare numbers as constants", () => {
    const [provider] = parseScenario(variant(), FILE).providers;
    expect(provider).toMatchObject({
      name: "solo",
      maxConcurrent: 2,
      rateLimit: { mode: "none", requestsPerMinute: undefined, tokensPerMinute: undefined, windowMs: 60_000 },
      latency: { timeToFirstTokenMs: { kind: "constant", value: 100 }, decodeTokensPerSecond: { kind: "constant", value: 50 } },
      rejectLatencyMs: 20,
      errorRate: 0,
      timeoutRate: 0,
      timeoutMs: 120_000,
      outages: [],
    });
  });

  it("fills in template defaults: weight 1, lane batch, tenant default, mode mention, single shape, one call per task", () => {
    const [template] = parseScenario(variant(), FILE).templates;
    expect(template).toMatchObject({
      name: "ask",
      weight: 1,
      lane: "batch",
      tenant: "default",
      mode: "mention",
      provider: "solo",
      shape: { kind: "single" },
      callsPerTask: 1,
      inputTokens: { kind: "constant", value: 100 },
      outputTokens: { kind: "constant", value: 50 },
      maxOutputTokens: 200,
    });
  });

  it("fills in policy defaults: fifo queue, lease admission, no global cap, 5 attempts honouring retry-after", () => {
    const [policy] = parseScenario(variant(), FILE).policies;
    expect(policy).toMatchObject({
      name: "steady",
      description: "",
      queue: { kind: "fifo", groupBy: "tenant" },
      yieldBetweenCalls: false,
      admission: "lease",
      globalMaxConcurrent: undefined,
      retry: { maxAttempts: 5, onRateLimit: "retry_after", fixedDelayMs: 1000, errorBackoffBaseMs: 500, errorBackoffMaxMs: 30_000 },
    });
  });

  it("reads a queue given by name or as an object, with the kind's defaults, and names a bad option by its path", () => {
    const withQueue = (queue: unknown): string => {
      const file = JSON.parse(variant()) as { policies: Record<string, unknown>[] };
      (file.policies[0] as Record<string, unknown>).queue = queue;
      return JSON.stringify(file);
    };
    expect(parseScenario(withQueue("wfq"), FILE).policies[0]?.queue).toEqual({
      kind: "wfq",
      groupBy: "tenant",
      options: { kind: "wfq", group_by: "tenant", weights: {}, default_weight: 1, cost: "tasks" },
    });
    const weighted = parseScenario(withQueue({ kind: "wfq", group_by: "lane", weights: { interactive: 4 } }), FILE).policies[0]?.queue;
    expect(weighted?.groupBy).toBe("lane");
    expect(weighted?.options.weights).toEqual({ interactive: 4 });
    expect(() => parseScenario(withQueue({ kind: "wfq", weights: { a: -1 } }), FILE)).toThrow(/policies\[0\]\.queue\.weights\.a: /);
    expect(() => parseScenario(withQueue({ kind: "wfq", cost: "dollars" }), FILE)).toThrow(/policies\[0\]\.queue\.cost: /);
    expect(() => parseScenario(withQueue({ kind: "wfq", group_by: "planet" }), FILE)).toThrow(/policies\[0\]\.queue\.group_by: /);
    expect(() => parseScenario(withQueue({ kind: "wfq", quantum: 3 }), FILE)).toThrow(/policies\[0\]\.queue: .*quantum/);
    expect(() => parseScenario(withQueue("lottery"), FILE)).toThrow(/policies\[0\]\.queue\.kind: .*fifo/);
    // A share-based kind needs something to share.
    expect(() => parseScenario(withQueue("proportional"), FILE)).toThrow(/policies\[0\]\.queue\.capacity: .*global_max_concurrent/);
    expect(parseScenario(withQueue({ kind: "proportional", capacity: 4 }), FILE).policies[0]?.queue.kind).toBe("proportional");
  });

  it("carries every default the schema fills in through to the scenario unchanged", () => {
    const text = variant();
    const file = scenarioSchema.parse(JSON.parse(text));
    const scenario = parseScenario(text, FILE);
    const [fileProvider] = file.providers;
    const [fileTemplate] = file.templates;
    const [filePolicy] = file.policies;
    expect(scenario.seed).toBe(file.seed);
    expect(scenario.seeds).toBe(file.seeds);
    expect(scenario.arrivals?.process).toBe(file.arrivals?.process);
    expect(scenario.providers[0]?.rateLimit.mode).toBe(fileProvider?.rate_limit.mode);
    expect(scenario.providers[0]?.rateLimit.windowMs).toBe(fileProvider?.rate_limit.window_ms);
    expect(scenario.providers[0]?.timeoutMs).toBe(fileProvider?.timeout_ms);
    expect(scenario.templates[0]?.lane).toBe(fileTemplate?.lane);
    expect(scenario.templates[0]?.shape).toEqual(fileTemplate?.shape);
    expect(scenario.templates[0]?.callsPerTask).toBe(fileTemplate?.calls_per_task);
    expect(scenario.policies[0]?.retry.maxAttempts).toBe(filePolicy?.retry.max_attempts);
    expect(scenario.policies[0]?.retry.onRateLimit).toBe(filePolicy?.retry.on_rate_limit);
  });

  it("accepts a lognormal given by mu and sigma instead of median and p95", () => {
    const scenario = parseScenario(variant([["templates", 0, "input_tokens"], { kind: "lognormal", mu: 5, sigma: 0.5 }]), FILE);
    expect(scenario.templates[0]?.inputTokens).toEqual({ kind: "lognormal", mu: 5, sigma: 0.5 });
  });

  it("accepts a request that exactly fills tokens_per_minute", () => {
    // input 100 + max output 200 = 300 tokens: the limit is reached, not exceeded.
    const text = variant([["providers", 0, "rate_limit"], { mode: "token_bucket", tokens_per_minute: 300 }]);
    expect(parseScenario(text, FILE).providers[0]?.rateLimit.tokensPerMinute).toBe(300);
  });
});

describe("rejecting invalid JSON", () => {
  it("names the line and column of a trailing comma", () => {
    const text = '{\n  "name": "mini",\n  "seed": 1,\n}';
    expectRejected(text, "", "not valid JSON", "line 4, column 1");
  });

  it("names the line and column of an unquoted word, in one line", () => {
    const text = variant().replace('"max_concurrent": 2', '"max_concurrent": two');
    expectRejected(text, "", "not valid JSON", lineAndColumnOf(text, "two"));
  });

  it("names the line and column where a truncated file ends, in one line", () => {
    // Cut off right after a property name: JSON.parse says only "Unexpected end of JSON input".
    const text = '{\n  "name": "mini",\n  "stop": ';
    expectRejected(text, "", "not valid JSON", "line 3, column 11");
  });
});

describe("rejecting bad values with the path to them", () => {
  it("reports a missing required field by its path", () => {
    expectRejected(variant([["providers", 0, "max_concurrent"], REMOVE]), "providers[0].max_concurrent", "missing");
  });

  it("reports a negative number with its path and the value", () => {
    expectRejected(variant([["providers", 0, "max_concurrent"], -3]), "providers[0].max_concurrent", "(got -3)");
  });

  it("reports a negative duration with its path and the value", () => {
    expectRejected(variant([["providers", 0, "reject_latency_ms"], -5]), "providers[0].reject_latency_ms", "(got -5)");
  });

  it("reports a fractional count where an integer is required", () => {
    expectRejected(variant([["providers", 0, "max_concurrent"], 1.5]), "providers[0].max_concurrent", "(got 1.5)");
  });

  it("reports a number given as a string", () => {
    expectRejected(variant([["providers", 0, "max_concurrent"], "4"]), "providers[0].max_concurrent", '(got "4")');
  });

  it("reports a lane outside the enum and lists the allowed lanes", () => {
    expectRejected(variant([["templates", 0, "lane"], "urgent"]), "templates[0].lane", '(got "urgent")', "interactive", "batch", "background");
  });

  it("reports a misspelt field as an unknown field, naming it and the object holding it", () => {
    const text = variant([["providers", 0, "max_concurent"], 4]);
    expectRejected(text, "providers[0]", 'unknown field "max_concurent"');
  });

  it("reports a misspelt top-level field as an unknown field", () => {
    expectRejected(variant([["polices"], []]), "", 'unknown field "polices"');
  });

  it("reports a template whose provider does not exist, listing the providers there are", () => {
    expectRejected(variant([["templates", 0, "provider"], "nope"]), "templates[0].provider", '"nope"', "(have: solo)");
  });

  it("reports a duplicate policy name at the second occurrence, naming the first", () => {
    expectRejected(variant([["policies", 1], { name: "steady" }]), "policies[1].name", '"steady"', "policies[0]");
  });

  it("reports a lognormal whose p95 is not above its median", () => {
    const text = variant([["templates", 0, "input_tokens"], { kind: "lognormal", median: 100, p95: 100 }]);
    expectRejected(text, "templates[0].input_tokens.p95", "p95 must be greater than median", "(got 100)");
  });

  it("reports a lognormal given neither median and p95 nor mu and sigma", () => {
    const text = variant([["templates", 0, "output_tokens"], { kind: "lognormal", median: 100 }]);
    expectRejected(text, "templates[0].output_tokens", "median and p95, or mu and sigma", '"median":100');
  });

  it("reports a uniform whose max is below its min", () => {
    const text = variant([["providers", 0, "latency", "decode_tokens_per_second"], { kind: "uniform", min: 10, max: 5 }]);
    expectRejected(text, "providers[0].latency.decode_tokens_per_second.max", "max must be at least min", "(got 5)");
  });

  it("reports an empirical distribution with a different number of weights than values", () => {
    const text = variant([["templates", 0, "input_tokens"], { kind: "empirical", values: [1, 2], weights: [1] }]);
    expectRejected(text, "templates[0].input_tokens.weights", "one entry per value", "(got [1])");
  });

  it("reports a stop condition with neither jobs nor duration_ms", () => {
    expectRejected(variant([["stop"], {}]), "stop", "jobs", "duration_ms", "(got {})");
  });

  it("reports a template whose largest request can never fit the provider's tokens_per_minute", () => {
    // input at most 100 + max output 200 = 300 tokens > 250 per minute.
    const text = variant([["providers", 0, "rate_limit"], { mode: "token_bucket", tokens_per_minute: 250 }]);
    expectRejected(text, "templates[0].max_output_tokens", "300", "providers[0].rate_limit.tokens_per_minute = 250");
  });

  it("uses the upper bound of a uniform input size when checking tokens_per_minute", () => {
    const text = variant(
      [["providers", 0, "rate_limit"], { mode: "token_bucket", tokens_per_minute: 1000 }],
      [["templates", 0, "input_tokens"], { kind: "uniform", min: 1, max: 900 }],
    );
    expectRejected(text, "templates[0].max_output_tokens", "1100", "tokens_per_minute = 1000");
  });

  it("reports a decode speed that can be zero", () => {
    expectRejected(variant([["providers", 0, "latency", "decode_tokens_per_second"], 0]), "providers[0].latency.decode_tokens_per_second", "zero");
  });

  it("reports a file whose top level is not an object", () => {
    expectRejected("[]", "", "expected object");
  });
});

describe("loading scenario files from disk", () => {
  let directory = "";
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), "schedlab-load-"));
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it("reports a missing file as 'no such file', naming it", () => {
    const file = join(directory, "absent.json");
    const error = errorFrom(() => loadScenario(file));
    expect(error.file).toBe(file);
    expect(error.path).toBe("");
    expect(error.message).toBe(`${file}: no such file`);
  });

  it("reports a directory given as a scenario file", () => {
    const error = errorFrom(() => loadScenario(directory));
    expect(error.path).toBe("");
    expect(error.message).toBe(`${directory}: is a directory, not a scenario file`);
  });
});
