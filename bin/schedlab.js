#!/usr/bin/env node
// The installed command: runs the compiled CLI in dist/, which `npm ci` (through `prepare`) or `npm run build`
// writes. From a checkout, `npm run schedlab -- ...` runs the TypeScript sources instead.
import { existsSync } from "node:fs";
import process from "node:process";
import { URL } from "node:url";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("schedlab: dist/ is missing: run 'npm run build' (npm ci runs it through prepare)\n");
  process.exit(2);
}
await import(entry.href);
