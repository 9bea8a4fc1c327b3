// Ctrl-C during a long command: the first SIGINT aborts the work in progress, which stops without writing a
// report; the command then says what complete results exist and exits 130 (128 + SIGINT), as shells expect.
// A second SIGINT exits at once.

/** Thrown by a command that stopped on SIGINT; the CLI prints its message in one line and exits 130. */
export class Interrupted extends Error {
  override name = "Interrupted";
}

export const INTERRUPTED_EXIT_CODE = 130;

/** Runs `work` with a signal that SIGINT aborts; the default SIGINT behaviour is back once it settles. */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(INTERRUPTED_EXIT_CODE);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off("SIGINT", onSignal);
  }
}
