// One self-contained HTML file from a ReportPage: text and tables as static HTML (readable without scripts), the
// chart blocks as JSON, Chart.js and the page's script inlined. It loads nothing: it opens from disk, offline.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { assert } from "../../policies/assert.ts";
import type { Table } from "../table.ts";
import { CLIENT_SCRIPT } from "./client.ts";
import type { Block, ReportPage, Section } from "./model.ts";

let chartJs: string | undefined;

/** Chart.js's minified UMD build (it defines window.Chart), without its source-map comment. */
function chartJsSource(): string {
  if (chartJs === undefined) {
    const entry = createRequire(import.meta.url).resolve("chart.js");
    chartJs = readFileSync(join(dirname(entry), "chart.umd.min.js"), "utf8").replace(/\/\/# sourceMappingURL=\S+\s*$/, "");
    assert(!/<\/script/i.test(chartJs), "Chart.js must not close its own script element");
  }
  return chartJs;
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/** Inline code spans in the prose (`like this`), the only markup the sections use. */
function prose(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

/** JSON that is safe inside a script element: no "<" can start "</script" or "<!--". */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll("<", "\\u003c");
}

export function tableHtml(table: Table): string {
  const cell = (tag: "th" | "td", text: string, column: number): string =>
    `<${tag}${table.numeric[column] === true ? ' class="number"' : ""}>${escapeHtml(text)}</${tag}>`;
  return [
    '<div class="table"><table>',
    `<caption>${escapeHtml(table.title)}</caption>`,
    `<thead><tr>${table.headers.map((header, column) => cell("th", header, column)).join("")}</tr></thead>`,
    `<tbody>${table.rows.map((row) => `<tr>${row.map((text, column) => cell("td", text, column)).join("")}</tr>`).join("")}</tbody>`,
    "</table></div>",
  ].join("");
}

export function renderPage(page: ReportPage): string {
  const chartBlocks: Block[] = [];
  const blockHtml = (block: Block): string => {
    switch (block.kind) {
      case "table":
        return tableHtml(block.table);
      case "note":
        return `<p class="note">${prose(block.text)}</p>`;
      case "chart":
      case "choice":
        chartBlocks.push(block);
        return `<div class="charts" data-block="${chartBlocks.length - 1}"></div>`;
      default:
        return unknownBlock(block);
    }
  };
  const sectionHtml = (section: Section): string =>
    [
      `<section id="${escapeHtml(section.id)}">`,
      `<h2>${escapeHtml(section.title)}</h2>`,
      ...section.paragraphs.map((paragraph) => `<p>${prose(paragraph)}</p>`),
      ...section.blocks.map(blockHtml),
      "</section>",
    ].join("\n");
  const body = page.sections.map(sectionHtml).join("\n");
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    "<header>",
    `<h1>${escapeHtml(page.title)}</h1>`,
    ...page.lead.map((line) => `<p>${prose(line)}</p>`),
    `<pre><code>${escapeHtml(page.command)}</code></pre>`,
    `<nav>${page.sections.map((section) => `<a href="#${escapeHtml(section.id)}">${escapeHtml(section.title)}</a>`).join(" · ")}</nav>`,
    "</header>",
    "<main>",
    body,
    "</main>",
    `<footer>${prose(page.footer)}</footer>`,
    `<script id="report-data" type="application/json">${scriptJson({ blocks: chartBlocks })}</script>`,
    `<script>${chartJsSource()}</script>`,
    `<script>${CLIENT_SCRIPT}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

function unknownBlock(block: never): never {
  throw new Error(`unknown block ${JSON.stringify(block)}`);
}

const STYLE = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; margin: 0 auto; max-width: 1180px; padding: 0 20px 40px; }
h1 { font-size: 1.6em; margin: 1em 0 .3em; }
h2 { font-size: 1.25em; margin: 1.8em 0 .4em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
p { max-width: 80ch; }
pre { background: #f5f5f7; padding: .6em .8em; overflow-x: auto; border-radius: 4px; }
code { font: 13px ui-monospace, "SFMono-Regular", Menlo, monospace; }
nav a { color: #0b5cad; text-decoration: none; }
.charts .chart { position: relative; height: 340px; margin: .6em 0 1.2em; }
.choice { display: inline-block; margin: .3em 0; font-weight: 600; }
.choice select { font: inherit; font-weight: normal; margin-left: .3em; }
.note { color: #555; font-style: italic; }
.table { overflow-x: auto; margin: 1em 0 1.6em; }
table { border-collapse: collapse; font-size: 13px; }
caption { text-align: left; font-weight: 600; padding: .3em 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e5e5e5; white-space: nowrap; text-align: left; }
th { background: #f5f5f7; }
.number { text-align: right; font-variant-numeric: tabular-nums; }
footer { margin-top: 3em; color: #666; font-size: 13px; }
`;
