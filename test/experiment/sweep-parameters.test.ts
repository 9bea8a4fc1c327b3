// --param parsing and addressing: a path names a field or a list element (by name or index), values are JSON or
// bare strings, and every mistake is one message that starts with the --param and says what was meant.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SweepParameterError, locate, overlapping, parseParameter, splitValues, withValue } from "../../src/experiment/sweep-parameters.ts";

const DOCUMENT = {
  arrivals: { rate_per_second: 2 },
  providers: [
    { name: "fast", max_concurrent: 16 },
    { name: "smart", max_concurrent: 24 },
  ],
  policies: [{ name: "fifo", retry: { max_attempts: 6 } }],
};

function problemOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SweepParameterError);
    return (error as Error).message;
  }
  throw new Error("expected a SweepParameterError");
}

describe("parseParameter", () => {
  it("reads fields, named and indexed elements, and JSON values", () => {
    const parameter = parseParameter("providers[fast].max_concurrent=4,8,16");
    expect(parameter.path).toBe("providers[fast].max_concurrent");
    expect(parameter.steps).toEqual([
      { kind: "field", name: "providers" },
      { kind: "element", selector: "fast" },
      { kind: "field", name: "max_concurrent" },
    ]);
    expect(parameter.values).toEqual([4, 8, 16]);
    expect(parseParameter("policies[0].retry.on_rate_limit=retry_after,fixed").values).toEqual(["retry_after", "fixed"]);
  });

  it("keeps commas inside a JSON value", () => {
    const parameter = parseParameter('templates[chat].input_tokens={"kind":"fixed","value":3},[1,2],"a,b"');
    expect(parameter.values).toEqual([{ kind: "fixed", value: 3 }, [1, 2], "a,b"]);
  });

  it.each([
    ["arrivals.rate_per_second", "expected PATH=v1,v2,..."],
    ["=1,2", "no path before"],
    ["arrivals..rate=1", "cannot read the path"],
    ["arrivals.rate_per_second=1,,2", "a value is empty"],
    ["arrivals.rate_per_second=1,2,1", "value 1 is given twice"],
  ])("refuses %s", (text, expected) => {
    expect(problemOf(() => parseParameter(text))).toContain(expected);
  });
});

describe("splitValues", () => {
  /** Any distinct JSON values, written as a --param writes them, split back into the same values. */
  function roundTrips(split: (text: string) => string[]): fc.IPropertyWithHooks<[unknown[]]> {
    const values = fc.uniqueArray(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 6, selector: (value) => JSON.stringify(value) });
    return fc.property(values, (list) => {
      const tokens = split(list.map((value) => JSON.stringify(value)).join(","));
      expect(tokens.map((token) => JSON.stringify(JSON.parse(token)))).toEqual(list.map((value) => JSON.stringify(value)));
    });
  }

  it("gives back any list of JSON values, commas inside objects, lists and strings included", () => {
    fc.assert(roundTrips(splitValues), { numRuns: 500, seed: 10 });
  });

  it("the property catches a planted splitter that splits at every comma", () => {
    const planted = fc.check(roundTrips((text) => text.split(",")), { numRuns: 500, seed: 10 });
    expect(planted.failed).toBe(true);
  });
});

describe("locate", () => {
  it("turns element names into indexes", () => {
    expect(locate(DOCUMENT, parseParameter("providers[smart].max_concurrent=1"))).toEqual(["providers", 1, "max_concurrent"]);
    expect(locate(DOCUMENT, parseParameter("providers[0].max_concurrent=1"))).toEqual(["providers", 0, "max_concurrent"]);
  });

  it("lets the last field be one the file leaves out (the scenario check judges it)", () => {
    expect(locate(DOCUMENT, parseParameter("policies[fifo].global_max_concurrent=8"))).toEqual(["policies", 0, "global_max_concurrent"]);
  });

  it("names a misspelt element, with the name meant", () => {
    expect(problemOf(() => locate(DOCUMENT, parseParameter("providers[fsat].max_concurrent=4")))).toBe(
      '--param providers[fsat].max_concurrent: no provider is named "fsat"; did you mean "fast"?',
    );
    expect(problemOf(() => locate(DOCUMENT, parseParameter("policies[round-robin].retry.max_attempts=2")))).toBe(
      '--param policies[round-robin].retry.max_attempts: no policy is named "round-robin" (have: fifo)',
    );
  });

  it.each([
    ["arivals.rate_per_second=1", 'the scenario has no field "arivals"; did you mean "arrivals"?'],
    ["providers[5].max_concurrent=1", "index 5 is past the end of providers (2 elements)"],
    ["arrivals[0].rate=1", "arrivals is an object, not a list"],
    ["providers.fast=1", "providers is a list, not an object with fields"],
    ["arrivals.rate_per_second.x=1", "arrivals.rate_per_second is a number, not an object with fields"],
    ["[0].x=1", "the scenario is an object, not a list"],
  ])("refuses %s", (text, expected) => {
    const message = problemOf(() => locate(DOCUMENT, parseParameter(text)));
    expect(message.startsWith(`--param ${text.split("=")[0]}: `)).toBe(true);
    expect(message).toContain(expected);
  });
});

describe("withValue", () => {
  it("changes a copy and leaves the document as it was", () => {
    const before = structuredClone(DOCUMENT);
    const changed = withValue(DOCUMENT, ["providers", 0, "max_concurrent"], 4) as typeof DOCUMENT;
    expect(changed.providers[0]?.max_concurrent).toBe(4);
    expect(changed.providers[1]).toBe(DOCUMENT.providers[1]);
    expect(DOCUMENT).toEqual(before);
  });
});

describe("overlapping", () => {
  it("finds a path inside another, and nothing between siblings", () => {
    const whole = parseParameter('providers[fast]={"name":"fast"}');
    const part = parseParameter("providers[fast].max_concurrent=4");
    const sibling = parseParameter("providers[smart].max_concurrent=4");
    const keys = [whole, part, sibling].map((parameter) => locate(DOCUMENT, parameter));
    expect(overlapping([whole, part, sibling], keys)).toEqual(["providers[fast]", "providers[fast].max_concurrent"]);
    expect(overlapping([part, sibling], keys.slice(1))).toBeUndefined();
  });
});
