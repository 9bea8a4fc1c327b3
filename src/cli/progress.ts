// A progress bar with an estimate of the time left, on stderr, for commands that run many cases. Only on an
// interactive terminal: with CI=true or stderr redirected nothing extra is written, so logs stay clean.

import cliProgress from "cli-progress";

export interface Progress {
  /** `done` of the total cases have finished. */
  update(done: number): void;
  /** Removes the bar; call before printing results. */
  stop(): void;
}

const SILENT: Progress = { update: () => undefined, stop: () => undefined };

/** True when a bar may be drawn: stderr is a terminal and this is not a CI job. */
export function progressWanted(): boolean {
  const ci = process.env.CI;
  return process.stderr.isTTY === true && (ci === undefined || ci === "" || ci === "false" || ci === "0");
}

export function startProgress(label: string, total: number, unit: string): Progress {
  if (!progressWanted()) return SILENT;
  const bar = new cliProgress.SingleBar({
    format: `${label} [{bar}] {value}/{total} ${unit} | {duration_formatted} elapsed, ETA {eta_formatted}`,
    stream: process.stderr,
    clearOnComplete: true,
    hideCursor: true,
    etaBuffer: 20,
  });
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
