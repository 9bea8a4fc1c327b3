// The pool's worker entry when schedlab runs from its TypeScript sources (tsx in development, vitest): on
// Node 20 a worker thread's entry module does not pass through the loader tsx registered in the parent, so
// this plain-JavaScript entry loads the TypeScript worker through tsx's API. dist/ loads case-worker.js directly.
import { tsImport } from "tsx/esm/api";

const worker = await tsImport("./case-worker.ts", import.meta.url);
export default worker.default;
