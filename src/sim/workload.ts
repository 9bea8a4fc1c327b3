// The jobs a scenario generates: when they arrive, which template each follows, the DAG of its tasks and
// the token sizes of every request. Everything about a job is drawn when it arrives, from streams of its
// own, so every policy compared on one seed sees the very same jobs.

import type { Arrivals, JobShape, JobTemplate, Scenario } from "../scenario/types.ts";
import { type Sampler, sampler } from "./distributions.ts";
import type { Random, RandomStreams } from "./random.ts";

/** Where jobs come from: synthetic arrivals (Workload) or a trace (trace-arrivals.ts), mixed by time. */
export interface ArrivalSource {
  /** When the source's next job arrives (no earlier than `nowMs`), or undefined when it has no more. */
  nextArrivalMs(nowMs: number): number | undefined;
  /** The job arriving now, the one whose time nextArrivalMs gave last. */
  createJob(id: number): JobPlan;
  /** Lets go of what the source holds open (a trace's file); called when the run ends, however it ends. */
  close(): void;
}

export type TaskRole = "call" | "plan" | "work" | "aggregate";

export interface CallPlan {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface TaskPlan {
  readonly index: number;
  readonly role: TaskRole;
  /** Indexes of the tasks of the same job that must complete first. */
  readonly dependsOn: readonly number[];
  readonly calls: readonly CallPlan[];
}

export interface JobPlan {
  readonly id: number;
  readonly template: JobTemplate;
  readonly tasks: readonly TaskPlan[];
}

interface TemplateSamplers {
  readonly template: JobTemplate;
  readonly graph: readonly GraphNode[];
  readonly inputTokens: Sampler;
  readonly outputTokens: Sampler;
}

export class Workload implements ArrivalSource {
  private readonly arrivals: Random;
  private readonly shapes: Random;
  private readonly sizes: Random;
  private readonly templates: TemplateSamplers[];
  private readonly cumulativeWeights: number[];

  constructor(
    scenario: Scenario,
    streams: RandomStreams,
    private readonly arrivalSpec: Arrivals,
  ) {
    this.arrivals = streams.stream("arrivals");
    this.shapes = streams.stream("job_shapes");
    this.sizes = streams.stream("token_sizes");
    const chosen = arrivalSpec.templates === undefined ? scenario.templates : scenario.templates.filter((template) => arrivalSpec.templates?.includes(template.name));
    this.templates = chosen.map((template) => ({
      template,
      graph: taskGraph(template.shape),
      inputTokens: sampler(template.inputTokens),
      outputTokens: sampler(template.outputTokens),
    }));
    let total = 0;
    this.cumulativeWeights = chosen.map((template) => (total += template.weight));
  }

  nextArrivalMs(nowMs: number): number {
    return nowMs + this.nextGapMs();
  }

  close(): void {
    // Nothing held: the arrivals are drawn, not read.
  }

  /** Time from one arrival to the next. */
  nextGapMs(): number {
    const meanGapMs = 1000 / this.arrivalSpec.ratePerSecond;
    if (this.arrivalSpec.process === "constant") return meanGapMs;
    return -meanGapMs * Math.log(1 - this.arrivals.next());
  }

  createJob(id: number): JobPlan {
    const chosen = this.pickTemplate();
    const tasks = chosen.graph.map((node, index) => ({ index, role: node.role, dependsOn: node.dependsOn, calls: this.drawCalls(chosen) }));
    return { id, template: chosen.template, tasks };
  }

  private pickTemplate(): TemplateSamplers {
    const total = this.cumulativeWeights[this.cumulativeWeights.length - 1] as number;
    const target = this.shapes.next() * total;
    const index = this.cumulativeWeights.findIndex((cumulative) => cumulative > target);
    return this.templates[index < 0 ? this.templates.length - 1 : index] as TemplateSamplers;
  }

  private drawCalls(chosen: TemplateSamplers): CallPlan[] {
    const calls: CallPlan[] = [];
    for (let call = 0; call < chosen.template.callsPerTask; call += 1) {
      calls.push({
        inputTokens: Math.max(1, Math.round(chosen.inputTokens.sample(this.sizes))),
        outputTokens: Math.max(0, Math.round(chosen.outputTokens.sample(this.sizes))),
      });
    }
    return calls;
  }
}

interface GraphNode {
  readonly role: TaskRole;
  readonly dependsOn: readonly number[];
}

const NO_DEPENDENCIES: readonly number[] = [];

/** The task DAG of a shape: `single` one task; `chain(n)` n in a row; `fanout(n)` plan → n → aggregate. */
export function taskGraph(shape: JobShape): readonly GraphNode[] {
  switch (shape.kind) {
    case "single":
      return [{ role: "call", dependsOn: NO_DEPENDENCIES }];
    case "chain":
      return Array.from({ length: shape.length }, (_, index) => ({
        role: "call" as const,
        dependsOn: index === 0 ? NO_DEPENDENCIES : [index - 1],
      }));
    case "fanout": {
      const workers = Array.from({ length: shape.width }, (_, index) => index + 1);
      return [
        { role: "plan", dependsOn: NO_DEPENDENCIES },
        ...workers.map(() => ({ role: "work" as const, dependsOn: [0] })),
        { role: "aggregate", dependsOn: workers },
      ];
    }
  }
}
