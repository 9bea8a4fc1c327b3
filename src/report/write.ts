// Writes a report folder all or nothing: every file goes to a temporary name first and is renamed into
// place only once all were written, so a failure never leaves a half-written report.

import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { temporaryPathFor } from "../eventlog/staged-file.ts";

export function writeFilesAtomically(directory: string, files: Readonly<Record<string, string>>): string[] {
  mkdirSync(directory, { recursive: true });
  const staged: [string, string][] = [];
  try {
    for (const [name, content] of Object.entries(files)) {
      const finalPath = join(directory, name);
      const temporaryPath = temporaryPathFor(finalPath);
      writeFileSync(temporaryPath, content);
      staged.push([temporaryPath, finalPath]);
    }
  } catch (error) {
    for (const [temporaryPath] of staged) rmSync(temporaryPath, { force: true });
    throw error;
  }
  for (const [temporaryPath, finalPath] of staged) renameSync(temporaryPath, finalPath);
  return staged.map(([, finalPath]) => finalPath);
}
