// README.md and docs/ link nothing outside the repository: a clone has no ../shared/, and a reader offline has
// no web. Every Markdown link and image is an anchor or a relative path to a file in the repository.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FILES = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((name) => name.endsWith(".md")).map((name) => join("docs", name))];

/** Targets of [text](target) and ![alt](target), outside code blocks. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, "");
  return [...prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => match[1] as string);
}

describe("links in README.md and docs/", () => {
  it.each(FILES)("%s links only to files in the repository", (file) => {
    const text = readFileSync(join(ROOT, file), "utf8");
    expect(text).not.toMatch(/\.\.\/shared\//);
    for (const target of linkTargets(text)) {
      if (target.startsWith("#")) continue;
      expect(target, `${file}: ${target}`).not.toMatch(/^[a-z]+:/i);
      const path = resolve(ROOT, dirname(file), target.split("#")[0] as string);
      expect(relative(ROOT, path).startsWith(".."), `${file}: ${target} leaves the repository`).toBe(false);
      expect(existsSync(path), `${file}: ${target} does not exist`).toBe(true);
    }
  });
});
