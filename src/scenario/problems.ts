// What can be wrong with a scenario file, as a list: each problem names the JSON path to the bad value,
// and, for a value inherited through `extends`, the file it came from. Messages are always one line.

/** One thing wrong (an error) or suspicious (a warning) in a scenario file. */
export interface Problem {
  /** Path to the bad value, e.g. `providers[0].max_concurrent`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
  /** The file that set the bad value, when it is not the file being read (a base named by `extends`). */
  readonly origin?: string | undefined;
}

/** A scenario file that cannot be used: its first problem in the message, every problem in `problems`. */
export class ScenarioError extends Error {
  override name = "ScenarioError";
  readonly problems: readonly Problem[];
  constructor(
    readonly file: string,
    /** Path to the first bad value, e.g. `providers[0].max_concurrent`; empty for the whole file. */
    readonly path: string,
    readonly problem: string,
    problems: readonly Problem[] = [{ path, message: problem }],
  ) {
    const first = problems[0] ?? { path, message: problem };
    const more = problems.length - 1;
    const rest = more === 0 ? "" : ` (and ${more} more problem${more === 1 ? "" : "s"}: 'schedlab validate ${file}' lists them all)`;
    super(`${describeProblem(file, first)}${rest}`);
    this.problems = problems;
  }

  static of(file: string, problems: readonly Problem[]): ScenarioError {
    const first = problems[0];
    if (first === undefined) throw new Error("a ScenarioError needs at least one problem");
    return new ScenarioError(file, first.path, first.message, problems);
  }
}

/** `file: path: message`, and where an inherited value came from. One line. */
export function describeProblem(file: string, problem: Problem): string {
  const where = problem.path === "" ? "" : `${problem.path}: `;
  const origin = problem.origin === undefined || problem.origin === file ? "" : ` (set in ${problem.origin})`;
  return `${file}: ${where}${problem.message}${origin}`;
}

const PLAIN_KEY = /^[A-Za-z0-9_$:-]+$/;
const LONGEST_QUOTE = 60;

/**
 * A JSON path as users write it: `providers[0].latency`. Keys that are not plain words are quoted, so a key
 * with a dot, a space or a newline can neither be misread nor break the one-line message.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else if (typeof part === "string" && PLAIN_KEY.test(part) && part.length <= LONGEST_QUOTE) text += text === "" ? part : `.${part}`;
    else text += `[${quote(String(part))}]`;
  }
  return text;
}

/** A string in double quotes with JSON escapes (so never a raw newline), cut to a readable length. */
export function quote(text: string): string {
  const cut = text.length > LONGEST_QUOTE ? `${text.slice(0, LONGEST_QUOTE)}…` : text;
  return JSON.stringify(cut);
}

/**
 * A short one-line preview of any parsed JSON value, for "(got …)": bounded in length whatever the value's
 * size, so a 10 MB array costs no more to describe than a number.
 */
export function preview(value: unknown, budget = 80): string {
  const text = previewOf(value, 3);
  return text.length > budget ? `${text.slice(0, budget - 1)}…` : text;
}

function previewOf(value: unknown, depth: number): string {
  if (typeof value === "string") return quote(value);
  if (value === null || typeof value !== "object") return String(value);
  if (depth === 0) return Array.isArray(value) ? "[…]" : "{…}";
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map((item: unknown) => previewOf(item, depth - 1));
    return `[${shown.join(",")}${value.length > 8 ? ",…" : ""}]`;
  }
  const entries = Object.entries(value).slice(0, 8);
  const shown = entries.map(([key, item]) => `${quote(key)}:${previewOf(item, depth - 1)}`);
  return `{${shown.join(",")}${Object.keys(value).length > 8 ? ",…" : ""}}`;
}

const AMOUNT = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 3 });

/** A measured or estimated amount for a message: three significant digits, thousands separated. */
export function amount(value: number): string {
  return AMOUNT.format(value);
}
