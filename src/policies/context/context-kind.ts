// How a context manager is named in a scenario file: its options (snake_case, defaults, validated by zod) and how
// to build it. Each manager's file exports one definition; registry.ts lists them.

import { z } from "zod";
import type { ContextEnvironment, ContextManager } from "./context-manager.ts";

/** A policy's context manager as parsed from the scenario: the kind and its options as written (defaults applied). */
export interface ContextSpec {
  readonly kind: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export interface ContextKind {
  readonly kind: string;
  /** One line for docs. */
  readonly summary: string;
  /** The scenario object `{ kind, ...options }`. */
  readonly schema: z.ZodType<Record<string, unknown>>;
  create(spec: ContextSpec, environment: ContextEnvironment): ContextManager;
}

export function defineContextKind<S extends z.ZodRawShape>(definition: {
  readonly kind: string;
  readonly summary: string;
  readonly options: S;
  /** Checks across options (e.g. fractions that must share the window). */
  readonly refine?: (options: z.output<z.ZodObject<S>>) => { readonly path: string; readonly message: string } | undefined;
  readonly create: (options: z.output<z.ZodObject<S>>, environment: ContextEnvironment) => ContextManager;
}): ContextKind {
  const options = z.object(definition.options);
  const schema = z.strictObject({ kind: z.literal(definition.kind), ...definition.options }).superRefine((value, context) => {
    const problem = definition.refine?.(value as z.output<z.ZodObject<S>>);
    if (problem !== undefined) context.addIssue({ code: "custom", path: [problem.path], message: problem.message });
  });
  return {
    kind: definition.kind,
    summary: definition.summary,
    schema: schema as unknown as z.ZodType<Record<string, unknown>>,
    create: (spec, environment) => definition.create(options.parse(spec.options), environment),
  };
}
