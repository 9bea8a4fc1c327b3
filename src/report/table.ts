// A small table model rendered two ways (aligned terminal text, Markdown), so the terminal and summary.md
// always show the same figures.

export interface Table {
  readonly title: string;
  readonly headers: readonly string[];
  /** Columns whose cells are right-aligned (numbers). */
  readonly numeric: readonly boolean[];
  readonly rows: readonly (readonly string[])[];
}

export function renderText(table: Table): string {
  const widths = table.headers.map((header, column) =>
    Math.max(header.length, ...table.rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => {
        const width = widths[column] as number;
        return table.numeric[column] === true ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [table.title, line(table.headers), line(widths.map((width) => "─".repeat(width))), ...table.rows.map(line)].join("\n");
}

export function renderMarkdown(table: Table): string {
  const escape = (cell: string): string => cell.replaceAll("|", "\\|");
  const header = `| ${table.headers.map(escape).join(" | ")} |`;
  const rule = `|${table.numeric.map((numeric) => (numeric ? " ---: " : " --- ")).join("|")}|`;
  const rows = table.rows.map((row) => `| ${row.map(escape).join(" | ")} |`);
  return [`**${table.title}**`, "", header, rule, ...rows].join("\n");
}
