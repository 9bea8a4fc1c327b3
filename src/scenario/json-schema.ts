// The JSON Schema of the scenario format, generated from the zod schema (zod 4's z.toJSONSchema) so the
// two cannot drift; scenarios/schema.json is this, committed, for editors to complete and check fields.
// Four places accept a shorthand that zod reads through a preprocess step, which z.toJSONSchema cannot
// see into: a distribution (a bare number), a job shape ("single"), a queue and a context manager (a kind's
// name, or an object whose options depend on the kind). Their input forms are written out here.
// A file with `extends` only overrides fields, so it is checked against a second, relaxed copy: no field is
// required (but an entry's name), and any field may be null (which removes the inherited one).

import { z } from "zod";
import { CONTEXT_KINDS } from "../policies/context/registry.ts";
import { QUEUE_KINDS } from "../policies/queues/registry.ts";
import { contextSchema, distributionSchema, queueSchema, scenarioSchema, shapeSchema } from "./schema.ts";

type JsonSchema = Record<string, unknown>;

const DRAFT = "https://json-schema.org/draft/2020-12/schema";

export function scenarioJsonSchema(): JsonSchema {
  const full = toJson(scenarioSchema);
  const definitions = (full.$defs ?? {}) as Record<string, JsonSchema>;
  delete full.$defs;
  delete full.$schema;
  const relaxedDefinitions = Object.fromEntries(Object.entries(definitions).map(([name, definition]) => [`${name}_override`, relax(definition, false)]));
  return {
    $schema: DRAFT,
    title: "schedlab scenario",
    description: "A schedlab scenario file: providers, job templates, arrivals, a stop condition and the policies to compare (docs/scenario-format.md).",
    if: { type: "object", properties: { extends: { type: "string" } }, required: ["extends"] },
    then: { $ref: "#/$defs/scenario_override" },
    else: { $ref: "#/$defs/scenario" },
    $defs: { scenario: full, scenario_override: relax(full, false), ...definitions, ...relaxedDefinitions },
  };
}

/** A zod schema as JSON Schema for what a file may contain (input types: defaults make fields optional). */
function toJson(schema: z.ZodType): JsonSchema {
  const ids = z.registry<{ id: string }>();
  ids.add(distributionSchema, { id: "distribution" });
  return z.toJSONSchema(schema, {
    io: "input",
    target: "draft-2020-12",
    metadata: ids,
    unrepresentable: "any",
    override: ({ zodSchema, jsonSchema }) => {
      const replacement = inputForm(zodSchema as unknown as z.ZodType);
      if (replacement === undefined) return;
      for (const key of Object.keys(jsonSchema)) delete (jsonSchema as JsonSchema)[key];
      Object.assign(jsonSchema, replacement);
    },
  }) as JsonSchema;
}

function inputForm(schema: z.ZodType): JsonSchema | undefined {
  if (schema === distributionSchema) {
    return { anyOf: [{ type: "number", minimum: 0, description: "a constant" }, inner(pipeOutput(distributionSchema))] };
  }
  if (schema === shapeSchema) return { anyOf: [{ const: "single" }, inner(pipeOutput(shapeSchema))] };
  if (schema === queueSchema) return kindForms(QUEUE_KINDS);
  if (schema === contextSchema) return kindForms(CONTEXT_KINDS);
  return undefined;
}

/** A registered kind's name alone, or its object with the kind's own options. */
function kindForms(kinds: readonly { readonly kind: string; readonly summary: string; readonly schema: z.ZodType }[]): JsonSchema {
  return { anyOf: [{ enum: kinds.map((kind) => kind.kind) }, ...kinds.map((kind) => ({ ...inner(kind.schema), description: kind.summary }))] };
}

/** The schema a preprocess step hands its value to. */
function pipeOutput(schema: z.ZodType): z.ZodType {
  return (schema._zod.def as unknown as { out: z.ZodType }).out;
}

function inner(schema: z.ZodType): JsonSchema {
  const json = toJson(schema);
  delete json.$schema;
  return json;
}

/** A copy that requires nothing (an entry in a list still needs its name), accepts null for every field and $remove in named entries. */
function relax(node: unknown, inList: boolean): JsonSchema {
  const walk = (value: unknown, list: boolean): unknown => {
    if (Array.isArray(value)) return value.map((item) => walk(item, false));
    if (value === null || typeof value !== "object") return value;
    const result: JsonSchema = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === "required") {
        const kept = list ? (item as string[]).filter((field) => field === "name") : [];
        if (kept.length > 0) result.required = kept;
      } else if (key === "minItems") {
        continue;
      } else if (key === "$ref" && typeof item === "string" && item.startsWith("#/$defs/")) {
        result.$ref = `${item}_override`;
      } else if (key === "properties") {
        const fields: [string, unknown][] = Object.entries(item as JsonSchema).map(([field, schema]) => [field, { anyOf: [walk(schema, false), { type: "null" }] }]);
        // A named entry of a list may instead remove the base's entry of that name.
        if (list && Object.hasOwn(item as JsonSchema, "name")) fields.push(["$remove", { const: true }]);
        result.properties = Object.fromEntries(fields);
      } else if (key === "items") {
        result.items = walk(item, true);
      } else {
        result[key] = walk(item, false);
      }
    }
    return result;
  };
  return walk(node, inList) as JsonSchema;
}
