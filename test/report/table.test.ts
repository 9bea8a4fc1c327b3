// Terminal tables fit the width they are given: split into sections of columns that each repeat the key columns,
// every cell still shown once, and no section left with a stray column when an even split fits.

import { describe, expect, it } from "vitest";
import { type Table, renderText } from "../../src/report/table.ts";

const table: Table = {
  title: "T",
  headers: ["policy", "lane", "aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc", "dddddddddd", "eeeeeeeeee"],
  numeric: [false, false, true, true, true, true, true],
  keyColumns: 2,
  rows: [
    ["p1", "interactive", "1", "2", "3", "4", "5"],
    ["", "batch", "6", "7", "8", "9", "10"],
  ],
};

function lengthOf(line: string): number {
  return [...line].length;
}

describe("renderText", () => {
  it("keeps one section when the table fits", () => {
    const text = renderText(table, 200);
    expect(text.split("\n")[0]).toBe("T");
    expect(text).not.toContain("(1/");
  });

  it.each([40, 50, 60, 70])("at width %i, every line fits, the key columns repeat and every cell appears once", (width) => {
    const text = renderText(table, width);
    for (const line of text.split("\n")) expect(lengthOf(line), line).toBeLessThanOrEqual(width);
    const sections = text.split("\n\n");
    expect(sections.length).toBeGreaterThan(1);
    for (const section of sections) expect(section.split("\n")[1]).toMatch(/^policy\s+lane\s/);
    for (const header of table.headers.slice(2)) expect(text.split(header).length - 1).toBe(1);
    expect(sections[0]?.split("\n")[0]).toBe(`T (1/${sections.length})`);
  });

  it("splits evenly rather than leaving one column alone", () => {
    const sections = renderText(table, 70).split("\n\n");
    const columnsPerSection = sections.map((section) => (section.split("\n")[1] ?? "").trim().split(/\s+/).length - 2);
    expect(columnsPerSection).toEqual([3, 2]);
  });
});
