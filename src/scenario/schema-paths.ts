// Which fields the scenario format allows at a JSON path, read from the zod schema itself so that a
// did-you-mean can never suggest a field that does not exist. A queue's fields depend on its kind, so the
// walk steps into the named kind's own schema there.

import type { z } from "zod";
import { queueKind } from "../policies/queues/registry.ts";
import { queueSchema } from "./schema.ts";

type Node = z.core.$ZodType;
type Def = z.core.$ZodTypeDef & Record<string, unknown>;

function defOf(node: Node): Def {
  return node._zod.def as Def;
}

/** Through wrappers (optional, default, preprocess, transform) to the schema that describes the value's shape. */
function unwrap(node: Node, value: unknown): Node {
  let current = node;
  for (let step = 0; step < 32; step += 1) {
    if (current === queueSchema && isRecord(value) && typeof value.kind === "string") {
      const kind = queueKind(value.kind);
      if (kind !== undefined) return kind.schema as Node;
    }
    const def = defOf(current);
    switch (def.type) {
      case "optional":
      case "default":
      case "prefault":
      case "nullable":
      case "readonly":
      case "catch":
      case "nonoptional":
        current = def.innerType as Node;
        break;
      case "pipe": {
        const input = def.in as Node;
        current = defOf(input).type === "transform" ? (def.out as Node) : input;
        break;
      }
      case "union":
        return unionOption(def, value) ?? current;
      default:
        return current;
    }
  }
  return current;
}

/** The option of a discriminated union that the value's discriminator names, when there is one. */
function unionOption(def: Def, value: unknown): Node | undefined {
  const options = def.options as readonly Node[];
  const discriminator = def.discriminator;
  if (typeof discriminator !== "string" || !isRecord(value)) return undefined;
  const wanted = value[discriminator];
  for (const option of options) {
    const shape = objectShape(unwrap(option, undefined));
    const literal = shape?.[discriminator];
    if (literal !== undefined && literalValues(literal).includes(wanted)) return unwrap(option, value);
  }
  return undefined;
}

function literalValues(node: Node): readonly unknown[] {
  const def = defOf(node);
  return def.type === "literal" ? (def.values as readonly unknown[]) : [];
}

function objectShape(node: Node): Readonly<Record<string, Node>> | undefined {
  const def = defOf(node);
  return def.type === "object" ? (def.shape as Record<string, Node>) : undefined;
}

/** The schema of the value at `path` inside `document`, or undefined where the format has no such place. */
export function schemaAt(root: Node, document: unknown, path: readonly PropertyKey[]): Node | undefined {
  let node = unwrap(root, document);
  let value = document;
  for (const part of path) {
    value = isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[part] : undefined;
    const def = defOf(node);
    let next: Node | undefined;
    if (def.type === "object") next = (def.shape as Record<string, Node>)[String(part)];
    else if (def.type === "array") next = def.element as Node;
    else if (def.type === "record") next = def.valueType as Node;
    if (next === undefined) return undefined;
    node = unwrap(next, value);
  }
  return node;
}

/** The field names the format allows in the object at `path` (empty where that is not a fixed-shape object). */
export function fieldsAt(root: Node, document: unknown, path: readonly PropertyKey[]): string[] {
  const node = schemaAt(root, document, path);
  if (node === undefined) return [];
  const def = defOf(node);
  if (def.type === "object") return Object.keys(def.shape as Record<string, Node>);
  if (def.type === "union") return (def.options as readonly Node[]).flatMap((option) => Object.keys(objectShape(unwrap(option, undefined)) ?? {}));
  return [];
}

/** Whether the value at `path` is a record keyed by arbitrary names (weights by group, limits by tenant). */
export function isNamedRecordAt(root: Node, document: unknown, path: readonly PropertyKey[]): boolean {
  const node = schemaAt(root, document, path);
  return node !== undefined && defOf(node).type === "record";
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
