// The staged file under the event log and the trace: nothing at the final path until commit, nothing left
// behind by an abandoned run, and a second commit or abandon changes nothing.

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StagedFile } from "../../src/eventlog/staged-file.ts";
import { JsonlWriter, readJsonl } from "../../src/eventlog/jsonl.ts";
import { TraceFileWriter } from "../../src/report/trace.ts";

const folders: string[] = [];
function folder(): string {
  const made = mkdtempSync(join(tmpdir(), "staged-"));
  folders.push(made);
  return made;
}
afterEach(() => {
  for (const made of folders.splice(0)) rmSync(made, { recursive: true, force: true });
});

describe("StagedFile", () => {
  it("writes to a temporary name and moves it into place on commit", () => {
    const dir = folder();
    const path = join(dir, "out.txt");
    const file = new StagedFile(path);
    file.write("a");
    file.write("x".repeat(1 << 17)); // past the flush size: on disk, still under the temporary name
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir)).toEqual([`out.txt.${process.pid}.tmp`]);
    expect(file.closed).toBe(false);
    file.write("z");
    file.commit();
    expect(file.closed).toBe(true);
    expect(readdirSync(dir)).toEqual(["out.txt"]);
    expect(readFileSync(path, "utf8")).toBe(`a${"x".repeat(1 << 17)}z`);
    file.commit();
    file.abandon();
    expect(readFileSync(path, "utf8")).toHaveLength((1 << 17) + 2);
  });

  it("leaves nothing behind when abandoned", () => {
    const dir = folder();
    const file = new StagedFile(join(dir, "out.txt"));
    file.write("x".repeat(1 << 17));
    file.abandon();
    expect(file.closed).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
    file.commit();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("the writers over it", () => {
  it("the JSONL log holds one line per event, and only once closed", () => {
    const path = join(folder(), "events.jsonl");
    const log = new JsonlWriter(path);
    log.record(0, 0, { type: "run_finished", makespan_ms: 0, events: 1 });
    expect(existsSync(path)).toBe(false);
    log.close();
    log.close();
    expect(readJsonl(path)).toEqual([{ seq: 0, t: 0, type: "run_finished", makespan_ms: 0, events: 1 }]);
  });

  it("the trace is valid JSON once closed, closed twice, and absent when abandoned", () => {
    const dir = folder();
    const path = join(dir, "trace.json");
    const trace = new TraceFileWriter(path);
    trace.record(0, 0, { type: "run_finished", makespan_ms: 0, events: 1 });
    trace.close();
    trace.close();
    const parsed = JSON.parse(readFileSync(path, "utf8")) as { displayTimeUnit: string; traceEvents: unknown[] };
    expect(parsed.displayTimeUnit).toBe("ms");
    expect(Array.isArray(parsed.traceEvents)).toBe(true);
    const dropped = new TraceFileWriter(join(dir, "dropped.json"));
    dropped.abandon();
    expect(readdirSync(dir)).toEqual(["trace.json"]);
  });
});
