// Shared pieces of command-line handling: typed usage errors, number flags, finding a scenario file.

import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { didYouMean, haveList } from "../scenario/suggest.ts";

/** A mistake in how a command was called; printed in one line with exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

/** Spelled out because the emitted declarations (dist/) cannot name util's unexported result type. */
interface CommandConfig<T extends Options> {
  args: string[];
  options: T & typeof HELP_OPTION;
  allowPositionals: true;
  strict: true;
}

/** util.parseArgs, strict, with its errors turned into UsageErrors that name the command. */
export function parseCommand<T extends Options>(command: string, argv: readonly string[], options: T): ReturnType<typeof parseArgs<CommandConfig<T>>> {
  try {
    const args = joinNegativeValues(argv, options);
    return parseArgs<CommandConfig<T>>({ args, options: { ...options, ...HELP_OPTION }, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.split("\n")[0]?.replace(/\. To specify a positional.*$/, "") ?? String(error);
    throw new UsageError(`${command}: ${message.charAt(0).toLowerCase()}${message.slice(1)} (see 'schedlab ${command} --help')`);
  }
}

/**
 * `--seed -1` would make parseArgs read "-1" as an option; joined as `--seed=-1` it reaches the flag's own
 * check, which can then say what is wrong with the value.
 */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const token = argv[index] as string;
    const next = argv[index + 1];
    const name = token.startsWith("--") ? token.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${token}=${next}`);
      index += 1;
    } else {
      joined.push(token);
    }
  }
  return joined;
}

/** A file to be written: its folder must exist, and it must not be a folder itself. Checked before any run. */
export function requireWritableFile(flag: string, path: string): void {
  const folder = dirname(resolve(path));
  if (!isDirectory(folder)) throw new UsageError(`--${flag}: cannot write "${path}": folder "${dirname(path)}" does not exist`);
  if (isDirectory(path)) throw new UsageError(`--${flag}: "${path}" is a folder; give a file name`);
}

/** A report folder: it may not exist yet, but nothing that is not a folder may stand in its place. */
export function requireFolderTarget(flag: string, path: string): void {
  let current = resolve(path);
  for (;;) {
    if (existsSync(current)) {
      if (!isDirectory(current)) throw new UsageError(`--${flag}: "${current}" exists and is not a folder`);
      return;
    }
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function integerFlag(flag: string, text: string | undefined, minimum: number, maximum = Number.MAX_SAFE_INTEGER): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    const range = maximum === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${minimum}` : `an integer from ${minimum} to ${maximum}`;
    throw new UsageError(`--${flag}: expected ${range}, got "${text}"`);
  }
  return value;
}

/** The scenarios shipped with the package: two folders up from src/cli/ (or dist/cli/). */
export const PACKAGE_SCENARIOS = fileURLToPath(new URL("../../scenarios/", import.meta.url));

/**
 * A path as given; else a bare name (no folder in it) as NAME or NAME.json in ./scenarios, then in the
 * package's own scenarios/, so `schedlab run default` works from any folder. Unknown names pass through to
 * fail on load, naming the file.
 */
export function resolveScenario(argument: string): string {
  if (existsSync(argument)) return argument;
  if (argument !== basename(argument)) return argument;
  const file = argument.endsWith(".json") ? argument : `${argument}.json`;
  for (const folder of ["scenarios", PACKAGE_SCENARIOS]) {
    const candidate = join(folder, file);
    if (existsSync(candidate)) return candidate;
  }
  const names = packageScenarioNames();
  throw new UsageError(`${argument}: no such file, nor a scenario of that name in ./scenarios or the package's scenarios${didYouMean(argument.replace(/\.json$/, ""), names) || ` ${haveList(names)}`}`);
}

function packageScenarioNames(): string[] {
  try {
    return readdirSync(PACKAGE_SCENARIOS)
      .filter((name) => name.endsWith(".json") && name !== "schema.json")
      .map((name) => name.slice(0, -".json".length))
      .sort();
  } catch {
    return [];
  }
}

export function onePositional(command: string, positionals: readonly string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`${command}: missing ${what} (see 'schedlab ${command} --help')`);
  if (positionals.length > 1) throw new UsageError(`${command}: unexpected argument "${positionals[1]}" (see 'schedlab ${command} --help')`);
  return positionals[0] as string;
}

export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return manifest.version;
}

/** Quotes an argument for a copy-pasteable command line. */
export function shellQuote(argument: string): string {
  return /^[\w./:=,-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", "'\\''")}'`;
}
