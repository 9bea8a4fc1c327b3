// scenarios/schema.json: current with the zod schema it is generated from, named by every shipped scenario,
// and, read by an independent validator (Ajv, as editors' JSON language servers work), in agreement with the
// loader on the shipped scenarios and the fixtures.

import { readFileSync, readdirSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { scenarioJsonSchema } from "../../src/scenario/json-schema.ts";
import { checkScenarioFile } from "../../src/scenario/load.ts";

const COMMITTED = JSON.parse(readFileSync("scenarios/schema.json", "utf8")) as Record<string, unknown>;
const SCENARIOS = readdirSync("scenarios").filter((name) => name.endsWith(".json") && name !== "schema.json");
const FIXTURES = "test/scenario/fixtures";

const validate = new Ajv2020({ allErrors: true, strict: true }).compile(COMMITTED);

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, "utf8").replace(/^\uFEFF/, ""));
}

describe("scenarios/schema.json", () => {
  it("is the schema schedlab generates now", () => {
    const current = scenarioJsonSchema();
    expect(isDeepStrictEqual(COMMITTED, current), "scenarios/schema.json is stale: regenerate it with `npm run schema` (schedlab schema --out scenarios/schema.json)").toBe(true);
  });

  it("would be reported stale after a change to the format", () => {
    const changed = scenarioJsonSchema();
    const definitions = changed.$defs as { scenario: { properties: Record<string, unknown> } };
    definitions.scenario.properties.seeds = { type: "string" };
    expect(isDeepStrictEqual(COMMITTED, changed)).toBe(false);
  });

  it.each(SCENARIOS)("is named by scenarios/%s, which it accepts", (name) => {
    const document = readJson(`scenarios/${name}`) as Record<string, unknown>;
    expect(document.$schema).toBe("./schema.json");
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
  });

  it("accepts a file with extends in its relaxed form (fields optional, null and $remove allowed)", () => {
    expect(validate(readJson(`${FIXTURES}/extends-child.json`)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ extends: "./base.json", description: null, providers: [{ name: "fast", max_concurrent: 2 }] })).toBe(true);
    expect(validate({ extends: "./base.json", providers: [{ max_concurrent: 2 }] })).toBe(false);
  });

  it("rejects what the loader rejects for its type, range or field name, and accepts what it accepts", () => {
    for (const name of readdirSync(FIXTURES).filter((file) => file.endsWith(".json"))) {
      let document: unknown;
      try {
        document = readJson(`${FIXTURES}/${name}`);
      } catch {
        continue; // not JSON text (encodings, truncation): no schema applies
      }
      const loaderAccepts = checkScenarioFile(`${FIXTURES}/${name}`).errors.length === 0;
      // The schema sees one file (not its base), nor checks across fields: it may accept more, never less.
      if (loaderAccepts) expect(validate(document), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    for (const name of ["typo-field.json", "nan-string.json", "many-problems.json"]) expect(validate(readJson(`${FIXTURES}/${name}`)), name).toBe(false);
  });
});
