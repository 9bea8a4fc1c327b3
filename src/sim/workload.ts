// The jobs a scenario generates: when they arrive, which template each follows, the DAG of its tasks and
// the token sizes of every request. Everything about a job is drawn when it arrives, from streams of its
// own, so every policy compared on one seed sees the very same jobs.

import { assertionFailed } from "../policies/assert.ts";
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

const UINT32_MAX = 0xffff_ffff;

/**
 * The token sizes of a task's requests, packed two numbers a call in one typed array rather than an object a
 * call: in an overloaded run the backlog holds every queued task's plan, and a 1000-call task as objects cost
 * about 48 KB (8 KB packed as 32-bit counts; a task with a count past 2³² − 1 keeps 64-bit ones). A trace row's
 * task repeats one size, kept once.
 */
export class CallSizes {
  private constructor(
    readonly count: number,
    private readonly sizes: Uint32Array | Float64Array,
    /** 2 for drawn sizes, 0 for one size repeated. */
    private readonly stride: number,
  ) {}

  static drawn(sizes: Uint32Array | Float64Array): CallSizes {
    return new CallSizes(sizes.length / 2, sizes, 2);
  }

  static repeated(count: number, inputTokens: number, outputTokens: number): CallSizes {
    return new CallSizes(count, Float64Array.of(inputTokens, outputTokens), 0);
  }

  inputTokens(call: number): number {
    this.check(call);
    return this.sizes[call * this.stride] as number;
  }

  outputTokens(call: number): number {
    this.check(call);
    return this.sizes[call * this.stride + 1] as number;
  }

  totalInputTokens(): number {
    let total = 0;
    for (let call = 0; call < this.count; call += 1) total += this.inputTokens(call);
    return total;
  }

  private check(call: number): void {
    if (!(call >= 0 && call < this.count)) assertionFailed(`no call ${call} of ${this.count}`);
  }
}

export interface TaskPlan {
  readonly index: number;
  readonly role: TaskRole;
  /** Indexes of the tasks of the same job that must complete first. */
  readonly dependsOn: readonly number[];
  readonly calls: CallSizes;
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

  private drawCalls(chosen: TemplateSamplers): CallSizes {
    let sizes: Uint32Array | Float64Array = new Uint32Array(2 * chosen.template.callsPerTask);
    const store = (index: number, tokens: number): void => {
      if (tokens > UINT32_MAX && sizes instanceof Uint32Array) sizes = Float64Array.from(sizes);
      sizes[index] = tokens;
    };
    for (let call = 0; call < chosen.template.callsPerTask; call += 1) {
      store(2 * call, Math.max(1, Math.round(chosen.inputTokens.sample(this.sizes))));
      store(2 * call + 1, Math.max(0, Math.round(chosen.outputTokens.sample(this.sizes))));
    }
    return CallSizes.drawn(sizes);
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
