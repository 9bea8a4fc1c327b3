// Overload, as a run shows it: the jobs in the system (arrived, not yet ended) sampled at each arrival, in
// bounded memory (at most SAMPLES_MAX samples; when full, every other one is dropped and the stride doubles).
// A backlog that grows through the whole arrival window means arrivals outpace service: the run's latency
// figures then depend on how long it ran, not on the policy alone.

export const SAMPLES_MAX = 512;
/** A backlog this small is noise, however it moves. */
const GROWING_MIN_JOBS = 10;

export interface BacklogSummary {
  /** Jobs in the system at half the arrival window and at its end (the last arrival). */
  readonly jobs_at_half: number;
  readonly jobs_at_end: number;
  /** The backlog never fell from one quarter of the arrival window to the next, and at the end was 1.5× or more what it was at half. */
  readonly growing: boolean;
}

export class BacklogTrend {
  private timesMs: number[] = [];
  private jobs: number[] = [];
  private stride = 1;
  private arrivals = 0;
  private lastMs = 0;
  private lastJobs = 0;

  arrival(timeMs: number, jobsInSystem: number): void {
    this.lastMs = timeMs;
    this.lastJobs = jobsInSystem;
    this.arrivals += 1;
    if (this.arrivals % this.stride !== 0) return;
    this.timesMs.push(timeMs);
    this.jobs.push(jobsInSystem);
    if (this.timesMs.length < SAMPLES_MAX) return;
    this.timesMs = this.timesMs.filter((_, index) => index % 2 === 1);
    this.jobs = this.jobs.filter((_, index) => index % 2 === 1);
    this.stride *= 2;
  }

  summary(): BacklogSummary {
    const at = (fraction: number): number => this.jobsAt(fraction * this.lastMs);
    const quarters = [at(0.25), at(0.5), at(0.75), this.lastJobs];
    const rising = quarters.every((value, index) => index === 0 || value >= (quarters[index - 1] as number));
    const end = this.lastJobs;
    const half = quarters[1] as number;
    return { jobs_at_half: half, jobs_at_end: end, growing: rising && end >= GROWING_MIN_JOBS && end >= 1.5 * half };
  }

  /** The last sample at or before `timeMs` (0 before the first). */
  private jobsAt(timeMs: number): number {
    let found = 0;
    for (let index = 0; index < this.timesMs.length && (this.timesMs[index] as number) <= timeMs; index += 1) found = this.jobs[index] as number;
    return found;
  }
}
