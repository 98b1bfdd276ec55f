/**
 * Parsers of `systemctl` output: `show` properties and `list-units` lines.
 *
 * @since 0.1.0
 */
import { taskIdOfUnit } from "./systemdRun.js"

/**
 * The `KEY=VALUE` lines of `systemctl show`, as a map. Values keep any `=` they contain.
 * @category parsing
 */
export const parseShow = (text: string): ReadonlyMap<string, string> => {
  const out = new Map<string, string>()
  for (const line of text.split("\n")) {
    const at = line.indexOf("=")
    if (at <= 0) continue
    out.set(line.slice(0, at).trim(), line.slice(at + 1).trimEnd())
  }
  return out
}

/**
 * The task scopes named in `systemctl list-units --plain --no-legend` output, with their task
 * ids; other units and blank lines are skipped.
 * @category parsing
 */
export const parseTaskUnits = (
  text: string
): ReadonlyArray<{ readonly unit: string; readonly taskId: string }> => {
  const out: Array<{ readonly unit: string; readonly taskId: string }> = []
  for (const line of text.split("\n")) {
    // A leading status bullet ("●") appears on some versions even with --plain.
    const unit = line.replace(/^[\s\u25cf*]+/, "").split(/\s+/)[0] ?? ""
    const taskId = taskIdOfUnit(unit)
    if (taskId !== undefined) out.push({ unit, taskId })
  }
  return out
}
