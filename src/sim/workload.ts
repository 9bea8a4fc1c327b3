// The jobs a scenario generates: when they arrive, which template each follows, the DAG of its tasks and
// the token sizes of every request. Everything about a job is drawn when it arrives, from streams of its
// own, so every policy compared on one seed sees the very same jobs.

import type { Arrivals, JobShape, JobTemplate, Scenario } from "../scenario/types.ts";
import { type Sampler, sampler } from "./distributions.ts";
import type { Random, RandomStreams } from "./random.ts";

export type TaskRole = "call" | "plan" | "work" | "aggregate";

export interface CallPlan {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface TaskPlan {
  readonly index: number;
  readonly role: TaskRole;
  /** How many tasks must complete before this one is ready. */
  readonly dependencyCount: number;
  readonly dependents: readonly number[];
  readonly calls: readonly CallPlan[];
}

export interface JobPlan {
  readonly id: number;
  readonly template: JobTemplate;
  readonly tasks: readonly TaskPlan[];
}

interface TemplateSamplers {
  readonly template: JobTemplate;
  readonly inputTokens: Sampler;
  readonly outputTokens: Sampler;
}

export class Workload {
  private readonly arrivals: Random;
  private readonly shapes: Random;
  private readonly sizes: Random;
  private readonly templates: TemplateSamplers[];
  private readonly cumulativeWeights: number[];

  constructor(
    scenario: Scenario,
    streams: RandomStreams,
    private readonly arrivalSpec: Arrivals = scenario.arrivals,
  ) {
    this.arrivals = streams.stream("arrivals");
    this.shapes = streams.stream("job_shapes");
    this.sizes = streams.stream("token_sizes");
    this.templates = scenario.templates.map((template) => ({
      template,
      inputTokens: sampler(template.inputTokens),
      outputTokens: sampler(template.outputTokens),
    }));
    let total = 0;
    this.cumulativeWeights = scenario.templates.map((template) => (total += template.weight));
  }

  /** Time from one arrival to the next. */
  nextGapMs(): number {
    const meanGapMs = 1000 / this.arrivalSpec.ratePerSecond;
    if (this.arrivalSpec.process === "constant") return meanGapMs;
    return -meanGapMs * Math.log(1 - this.arrivals.next());
  }

  createJob(id: number): JobPlan {
    const chosen = this.pickTemplate();
    const shape = taskGraph(chosen.template.shape);
    const tasks = shape.map((node, index) => ({
      index,
      role: node.role,
      dependencyCount: node.dependencyCount,
      dependents: node.dependents,
      calls: this.drawCalls(chosen),
    }));
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
  readonly dependencyCount: number;
  readonly dependents: readonly number[];
}

const SINGLE: readonly GraphNode[] = [{ role: "call", dependencyCount: 0, dependents: [] }];

/** The task DAG of a shape: `single` one task; `chain(n)` n in a row; `fanout(n)` plan → n → aggregate. */
export function taskGraph(shape: JobShape): readonly GraphNode[] {
  switch (shape.kind) {
    case "single":
      return SINGLE;
    case "chain":
      return Array.from({ length: shape.length }, (_, index) => ({
        role: "call" as const,
        dependencyCount: index === 0 ? 0 : 1,
        dependents: index === shape.length - 1 ? [] : [index + 1],
      }));
    case "fanout": {
      const workers = Array.from({ length: shape.width }, (_, index) => index + 1);
      const aggregate = shape.width + 1;
      return [
        { role: "plan", dependencyCount: 0, dependents: workers },
        ...workers.map(() => ({ role: "work" as const, dependencyCount: 1, dependents: [aggregate] })),
        { role: "aggregate", dependencyCount: shape.width, dependents: [] },
      ];
    }
  }
}
