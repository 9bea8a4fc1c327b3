// A trace replayed as arrivals: one job per row, pulled from the file only when the previous row's job has
// arrived. The job follows the row's template (its lane, tenant and provider overridden by the row's columns
// when the trace maps them); every request of its tasks has the row's input and output token counts.

import { assertionFailed } from "../policies/assert.ts";
import type { JobTemplate, Scenario, TraceSpec } from "../scenario/types.ts";
import { type TraceRow, TraceRows } from "../trace/rows.ts";
import { type ArrivalSource, CallSizes, type JobPlan, taskGraph } from "./workload.ts";

export class TraceArrivals implements ArrivalSource {
  private readonly rows: TraceRows;
  private readonly templates: ReadonlyMap<string, JobTemplate>;
  /** Templates with a row's overrides applied, one per combination (at most MAX_ROW_KINDS, rows.ts). */
  private readonly overridden = new Map<string, JobTemplate>();
  private row: TraceRow | undefined;

  constructor(spec: TraceSpec, scenario: Scenario) {
    this.templates = new Map(scenario.templates.map((template) => [template.name, template]));
    this.rows = new TraceRows(spec, { templates: [...this.templates.keys()], providers: scenario.providers.map((provider) => provider.name) });
  }

  nextArrivalMs(nowMs: number): number | undefined {
    this.row = this.rows.next();
    return this.row === undefined ? undefined : Math.max(nowMs, this.row.timeMs);
  }

  createJob(id: number): JobPlan {
    const row = this.row;
    if (row === undefined) assertionFailed("createJob before a row arrived");
    const template = this.templateOf(row);
    const calls = CallSizes.repeated(template.callsPerTask, row.inputTokens, row.outputTokens);
    const tasks = taskGraph(template.shape).map((node, index) => ({ index, role: node.role, dependsOn: node.dependsOn, calls }));
    return { id, template, tasks };
  }

  close(): void {
    this.rows.close();
  }

  private templateOf(row: TraceRow): JobTemplate {
    const base = this.templates.get(row.template);
    if (base === undefined) assertionFailed(`trace row names template ${row.template}, which the scan let through`);
    if (row.lane === undefined && row.tenant === undefined && row.provider === undefined) return base;
    const key = JSON.stringify([row.template, row.lane, row.tenant, row.provider]);
    let template = this.overridden.get(key);
    if (template === undefined) {
      template = { ...base, lane: row.lane ?? base.lane, tenant: row.tenant ?? base.tenant, provider: row.provider ?? base.provider };
      this.overridden.set(key, template);
    }
    return template;
  }
}
