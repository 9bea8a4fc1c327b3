// Every context manager a scenario can name. Adding one: write its file (the manager and its `defineContextKind`
// definition) and add it here; the scenario schema and docs/scenario-format.md read this list.

import { assertionFailed } from "../assert.ts";
import type { ContextEnvironment, ContextManager } from "./context-manager.ts";
import type { ContextKind, ContextSpec } from "./context-kind.ts";
import { slidingWindowKind } from "./sliding-window.ts";
import { summarizeKind } from "./summarize.ts";
import { tieredKind } from "./tiered.ts";

export const CONTEXT_KINDS: readonly ContextKind[] = [slidingWindowKind, summarizeKind, tieredKind];

export function contextKind(kind: string): ContextKind | undefined {
  return CONTEXT_KINDS.find((candidate) => candidate.kind === kind);
}

export function createContextManager(spec: ContextSpec, environment: ContextEnvironment): ContextManager {
  const definition = contextKind(spec.kind) ?? assertionFailed(`context manager ${spec.kind} is not registered`);
  return definition.create(spec, environment);
}
