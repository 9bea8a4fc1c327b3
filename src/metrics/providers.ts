// Per-provider figures of rate-limit control, from the event log alone (docs/metrics.md, "Providers and rate
// control"): goodput, 429s per success, attempts per success, wasted tokens, time the controller held requests
// back, fail-fast refusals, denied retries, time the circuit was open, how long the provider looked down, and
// the AIMD limit over time.

export interface ProviderSummary {
  readonly requests_started: number;
  readonly ok: number;
  readonly rate_limited: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Requests in flight when their worker stopped or crashed. */
  readonly aborted: number;
  /** Output tokens of successful requests per second of makespan. */
  readonly goodput_output_tokens_per_s: number;
  /** 429s per successful request (0 when none succeeded). */
  readonly rate_limited_per_success: number;
  /** Requests started per successful request (0 when none succeeded). */
  readonly attempts_per_success: number;
  /** Tokens charged up front (input + max output) to requests that ended in a 429, an error or a timeout. */
  readonly wasted_tokens: number;
  /** wasted_tokens / tokens of every request started. */
  readonly wasted_tokens_share: number;
  /** Waits the controller imposed before a request (request_delayed), and their total length. */
  readonly delays: number;
  readonly delayed_ms: number;
  /** Requests an open circuit failed without sending (request_refused). */
  readonly refused: number;
  /** Retries the retry budget refused (retry_denied). */
  readonly retries_denied: number;
  readonly circuit_opened: number;
  readonly circuit_open_ms: number;
  /**
   * How long the provider looked down to its callers: in send order, the longest time from the send of a request
   * that failed (error, timeout) to the send of the next one that succeeded (to the end of the run if none did).
   * 429s and aborted requests neither start nor end such a run. After a known outage, this minus the outage's
   * length is the time to recover from it.
   */
  readonly longest_failure_run_ms: number;
  /** The provider's concurrency limit (its lease resource), time-weighted over the run, its lowest, and how often it moved. */
  readonly limit_mean: number;
  readonly limit_min: number;
  readonly limit_changes: number;
}

/** How a request ended, for the failure runs: an answer's status, or aborted (never answered). */
type RunStatus = "ok" | "rate_limited" | "error" | "timeout" | "aborted";

class ProviderFigures {
  started = 0;
  ok = 0;
  rateLimited = 0;
  errors = 0;
  timeouts = 0;
  aborted = 0;
  outputTokens = 0;
  tokensStarted = 0;
  wastedTokens = 0;
  delays = 0;
  delayedMs = 0;
  refused = 0;
  retriesDenied = 0;
  circuitOpened = 0;
  circuitOpenMs = 0;
  /** Requests in the order they were sent, until every earlier one is answered: the failure runs read them in that order. */
  readonly inSendOrder = new Map<number, { readonly startMs: number; status: RunStatus | undefined }>();
  failureRunSinceMs: number | undefined = undefined;
  longestFailureRunMs = 0;
  openSinceMs: number | undefined = undefined;
  limit: number;
  limitMin: number;
  limitSinceMs = 0;
  limitIntegral = 0;
  limitChanges = 0;

  constructor(capacity: number) {
    this.limit = capacity;
    this.limitMin = capacity;
  }
}

export class ProviderTracker {
  private readonly providers = new Map<string, ProviderFigures>();
  /** Per request in flight: the tokens charged at its start (what a failure wastes). */
  private readonly tokensOfRequest = new Map<number, number>();
  /** Per task whose next request the controller holds back: its provider and since when. */
  private readonly delayedSince = new Map<number, { provider: string; sinceMs: number }>();

  /** From run_started: every provider (`provider:<name>` capacities), at its full limit. */
  start(timeMs: number, capacities: Readonly<Record<string, number>>): void {
    for (const [resource, capacity] of Object.entries(capacities)) {
      if (!resource.startsWith("provider:")) continue;
      const figures = new ProviderFigures(capacity);
      figures.limitSinceMs = timeMs;
      this.providers.set(resource.slice("provider:".length), figures);
    }
  }

  requestStarted(timeMs: number, task: number, provider: string, request: number, tokens: number): void {
    this.endDelay(timeMs, task);
    const figures = this.of(provider);
    figures.started += 1;
    figures.tokensStarted += tokens;
    this.tokensOfRequest.set(request, tokens);
    figures.inSendOrder.set(request, { startMs: timeMs, status: undefined });
  }

  requestFinished(timeMs: number, provider: string, request: number, status: "ok" | "rate_limited" | "error" | "timeout", outputTokens: number): void {
    const figures = this.of(provider);
    const tokens = this.tokensOfRequest.get(request) ?? 0;
    this.tokensOfRequest.delete(request);
    switch (status) {
      case "ok":
        figures.ok += 1;
        figures.outputTokens += outputTokens;
        this.settled(figures, request, status);
        return;
      case "rate_limited":
        figures.rateLimited += 1;
        break;
      case "error":
        figures.errors += 1;
        break;
      case "timeout":
        figures.timeouts += 1;
        break;
    }
    this.settled(figures, request, status);
    figures.wastedTokens += tokens;
  }

  requestAborted(provider: string, request: number): void {
    const figures = this.of(provider);
    figures.aborted += 1;
    this.tokensOfRequest.delete(request);
    this.settled(figures, request, "aborted");
  }

  requestDelayed(timeMs: number, task: number, provider: string): void {
    // A wait whose reason changed is the same wait: it counts once, from its first event.
    if (this.delayedSince.has(task)) return;
    this.of(provider).delays += 1;
    this.delayedSince.set(task, { provider, sinceMs: timeMs });
  }

  requestRefused(timeMs: number, task: number, provider: string): void {
    this.endDelay(timeMs, task);
    this.of(provider).refused += 1;
  }

  retryDenied(provider: string): void {
    this.of(provider).retriesDenied += 1;
  }

  /** The task's worker is gone (its lease was released): a wait in progress ends with it. */
  taskStoppedWaiting(timeMs: number, task: number): void {
    this.endDelay(timeMs, task);
  }

  limitChanged(timeMs: number, resource: string, limit: number): void {
    if (!resource.startsWith("provider:")) return;
    const figures = this.of(resource.slice("provider:".length));
    figures.limitIntegral += figures.limit * (timeMs - figures.limitSinceMs);
    figures.limitSinceMs = timeMs;
    figures.limit = limit;
    figures.limitMin = Math.min(figures.limitMin, limit);
    figures.limitChanges += 1;
  }

  circuitStateChanged(timeMs: number, provider: string, state: "closed" | "open" | "half_open"): void {
    const figures = this.of(provider);
    if (state === "open") {
      figures.circuitOpened += 1;
      figures.openSinceMs ??= timeMs;
      return;
    }
    if (figures.openSinceMs !== undefined) figures.circuitOpenMs += timeMs - figures.openSinceMs;
    figures.openSinceMs = undefined;
  }

  summary(makespanMs: number): Record<string, ProviderSummary> {
    const result: Record<string, ProviderSummary> = {};
    for (const name of [...this.providers.keys()].sort()) {
      const figures = this.providers.get(name) as ProviderFigures;
      const openMs = figures.circuitOpenMs + (figures.openSinceMs === undefined ? 0 : makespanMs - figures.openSinceMs);
      const limitIntegral = figures.limitIntegral + figures.limit * (makespanMs - figures.limitSinceMs);
      let delayedMs = figures.delayedMs;
      for (const delay of this.delayedSince.values()) if (delay.provider === name) delayedMs += makespanMs - delay.sinceMs;
      result[name] = {
        requests_started: figures.started,
        ok: figures.ok,
        rate_limited: figures.rateLimited,
        errors: figures.errors,
        timeouts: figures.timeouts,
        aborted: figures.aborted,
        goodput_output_tokens_per_s: makespanMs > 0 ? (figures.outputTokens * 1000) / makespanMs : 0,
        rate_limited_per_success: figures.ok > 0 ? figures.rateLimited / figures.ok : 0,
        attempts_per_success: figures.ok > 0 ? figures.started / figures.ok : 0,
        wasted_tokens: figures.wastedTokens,
        wasted_tokens_share: figures.tokensStarted > 0 ? figures.wastedTokens / figures.tokensStarted : 0,
        delays: figures.delays,
        delayed_ms: delayedMs,
        refused: figures.refused,
        retries_denied: figures.retriesDenied,
        circuit_opened: figures.circuitOpened,
        circuit_open_ms: openMs,
        longest_failure_run_ms: this.longestFailureRun(figures, makespanMs),
        // A limit that never moved is its own mean exactly (the integral would add rounding noise).
        limit_mean: makespanMs > 0 && figures.limitChanges > 0 ? limitIntegral / makespanMs : figures.limit,
        limit_min: figures.limitMin,
        limit_changes: figures.limitChanges,
      };
    }
    return result;
  }

  /** The longest run so far, reading the requests still waiting for an earlier one as they ended (unanswered: aborted). */
  private longestFailureRun(figures: ProviderFigures, makespanMs: number): number {
    const run = { failureRunSinceMs: figures.failureRunSinceMs, longestFailureRunMs: figures.longestFailureRunMs };
    for (const entry of figures.inSendOrder.values()) this.failureRun(run, entry.startMs, entry.status ?? "aborted");
    return Math.max(run.longestFailureRunMs, run.failureRunSinceMs === undefined ? 0 : makespanMs - run.failureRunSinceMs);
  }

  /** Records how a request ended, then reads, in the order they were sent, every request whose predecessors have all ended. */
  private settled(figures: ProviderFigures, request: number, status: RunStatus): void {
    const entry = figures.inSendOrder.get(request);
    if (entry === undefined) return;
    entry.status = status;
    for (const [id, next] of figures.inSendOrder) {
      if (next.status === undefined) return;
      figures.inSendOrder.delete(id);
      this.failureRun(figures, next.startMs, next.status);
    }
  }

  /**
   * In send order: a request that failed (error, timeout) starts a run of failures if none is running; one that
   * succeeded ends it, the run lasting from the first failure's send to its send. 429s and aborts do neither.
   */
  protected failureRun(figures: { failureRunSinceMs: number | undefined; longestFailureRunMs: number }, sentMs: number, status: RunStatus): void {
    if (status === "error" || status === "timeout") figures.failureRunSinceMs ??= sentMs;
    else if (status === "ok" && figures.failureRunSinceMs !== undefined) {
      figures.longestFailureRunMs = Math.max(figures.longestFailureRunMs, sentMs - figures.failureRunSinceMs);
      figures.failureRunSinceMs = undefined;
    }
  }

  private endDelay(timeMs: number, task: number): void {
    const delay = this.delayedSince.get(task);
    if (delay === undefined) return;
    this.delayedSince.delete(task);
    this.of(delay.provider).delayedMs += timeMs - delay.sinceMs;
  }

  /** A provider the log names without a capacity (a hand-written log) gets figures all the same. */
  private of(provider: string): ProviderFigures {
    let figures = this.providers.get(provider);
    if (figures === undefined) {
      figures = new ProviderFigures(Number.NaN);
      this.providers.set(provider, figures);
    }
    return figures;
  }
}
