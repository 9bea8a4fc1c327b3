// The schedlab command run inside the test process: the same runCli the binary runs, with stdout and
// stderr captured. Thousands of cases cost milliseconds each this way, not a process start each.

import { vi } from "vitest";

process.env.SCHEDLAB_CLI_IMPORTED = "1";
const { runCli } = await import("../../src/cli/main.ts");

export interface Outcome {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function schedlabInProcess(...args: string[]): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const status = await runCli(args);
    return { status, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
