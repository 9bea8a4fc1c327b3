// Lint rules that carry project policy, above all determinism: the simulator and the policies never read
// wall-clock time or unseeded randomness (see ../shared/docs/DESIGN.md, "Rules that make the layering real").
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const determinismMessage =
  "src/sim and src/policies must be deterministic: take time from the injected Clock and randomness from a seeded stream.";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "reports/", "coverage/", ".ci/", ".scratch/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "error" },
  },
  {
    files: ["src/sim/**/*.ts", "src/policies/**/*.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: determinismMessage },
        { object: "performance", property: "now", message: determinismMessage },
        { object: "Math", property: "random", message: determinismMessage },
      ],
      "no-restricted-globals": [
        "error",
        { name: "setTimeout", message: determinismMessage },
        { name: "setInterval", message: determinismMessage },
        { name: "setImmediate", message: determinismMessage },
        { name: "performance", message: determinismMessage },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "NewExpression[callee.name='Date']", message: determinismMessage },
      ],
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["node:timers", "node:timers/*", "node:perf_hooks"], message: determinismMessage }] },
      ],
    },
  },
  {
    files: ["src/policies/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["../sim/*", "../../sim/*", "**/sim/*"], message: "src/policies never imports from src/sim." },
            { group: ["node:timers", "node:timers/*", "node:perf_hooks"], message: determinismMessage },
          ],
        },
      ],
    },
  },
);
