// A small table model rendered two ways (aligned terminal text, Markdown), so the terminal and summary.md
// always show the same figures. On a terminal a table wider than the screen is split into sections of columns,
// each repeating the key columns (policy, lane), rather than wrapping into an unreadable 200-column row.

export interface Table {
  readonly title: string;
  readonly headers: readonly string[];
  /** Columns whose cells are right-aligned (numbers). */
  readonly numeric: readonly boolean[];
  readonly rows: readonly (readonly string[])[];
  /** Leading columns that say what a row is about, repeated in every section of a split table (default 1). */
  readonly keyColumns?: number;
}

const GAP = "  ";

/** Wide enough for every table to fit when nothing says how wide the screen is. */
export const DEFAULT_WIDTH = 120;

/** Aligned text no wider than `width` columns where the key columns and any one other column fit. */
export function renderText(table: Table, width = Number.POSITIVE_INFINITY): string {
  const widths = table.headers.map((header, column) =>
    Math.max(displayWidth(header), ...table.rows.map((row) => displayWidth(row[column] ?? ""))),
  );
  const sections = columnSections(widths, Math.min(table.keyColumns ?? 1, widths.length), width);
  return sections
    .map((columns, index) => {
      const title = sections.length === 1 ? table.title : `${table.title} (${index + 1}/${sections.length})`;
      const line = (cells: readonly string[]): string =>
        columns
          .map((column) => {
            const cell = cells[column] ?? "";
            const padding = " ".repeat(Math.max(0, (widths[column] as number) - displayWidth(cell)));
            return table.numeric[column] === true ? padding + cell : cell + padding;
          })
          .join(GAP)
          .trimEnd();
      const rule = columns.map((column) => "─".repeat(widths[column] as number)).join(GAP);
      return [title, line(table.headers), rule, ...table.rows.map(line)].join("\n");
    })
    .join("\n\n");
}

/**
 * Column indexes of each section: the key columns, then the others in order, as few sections as fit in `width`,
 * and of about equal width so that no section is left with a single stray column.
 */
function columnSections(widths: readonly number[], keyColumns: number, width: number): number[][] {
  const keys = Array.from({ length: keyColumns }, (_, column) => column);
  const keyWidth = keys.reduce((total, column) => total + (widths[column] as number) + GAP.length, 0);
  const others = widths.slice(keyColumns).map((columnWidth, index) => ({ column: index + keyColumns, needed: columnWidth + GAP.length }));
  const pack = (limit: number): number[][] => {
    const sections: number[][] = [];
    let current: number[] = [];
    let used = keyWidth;
    for (const { column, needed } of others) {
      if (current.length > 0 && used + needed - GAP.length > limit) {
        sections.push(current);
        current = [];
        used = keyWidth;
      }
      current.push(column);
      used += needed;
    }
    if (current.length > 0 || sections.length === 0) sections.push(current);
    return sections;
  };
  const fewest = pack(width);
  const othersWidth = others.reduce((total, { needed }) => total + needed, 0);
  // The narrowest limit that still needs no more sections than the widest: sections come out about even.
  let limit = Math.min(width, keyWidth + Math.ceil(othersWidth / fewest.length));
  while (limit < width && pack(limit).length > fewest.length) limit += 1;
  return pack(limit).map((section) => [...keys, ...section]);
}

/** Columns a string takes on a terminal: one per code point (the tables use no wide characters). */
function displayWidth(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

export function renderMarkdown(table: Table): string {
  const escape = (cell: string): string => cell.replaceAll("|", "\\|");
  const header = `| ${table.headers.map(escape).join(" | ")} |`;
  const rule = `|${table.numeric.map((numeric) => (numeric ? " ---: " : " --- ")).join("|")}|`;
  const rows = table.rows.map((row) => `| ${row.map(escape).join(" | ")} |`);
  return [`**${table.title}**`, "", header, rule, ...rows].join("\n");
}
