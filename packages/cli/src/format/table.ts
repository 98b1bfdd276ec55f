/**
 * Plain-text tables for terminals: left-aligned columns separated by two spaces.
 *
 * @since 0.1.0
 */

/**
 * Renders rows under a header; the last column is not padded.
 * @category formatting
 * @example
 * table(["ID", "STATUS"], [["1", "running"]]) // "ID  STATUS\n1   running"
 */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd()
  return [line(header), ...rows.map(line)].join("\n")
}
