/**
 * The words after the first `--` of the command line: the task's command, passed through
 * untouched (options after `--` belong to the command, `--help` included).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Option from "effect/Option"

/**
 * The command after `--`, or none when the command line has no `--`.
 * @category tags
 */
export class TrailingCommand extends Context.Tag("@hakuriver/cli/TrailingCommand")<
  TrailingCommand,
  Option.Option<ReadonlyArray<string>>
>() {}

/**
 * Splits a command line (without `node` and the script) at its first `--`.
 * @category parsing
 * @example
 * splitAtDashDash(["submit", "--wait", "--", "sh", "-c", "echo --wait"])
 * // [["submit", "--wait"], Option.some(["sh", "-c", "echo --wait"])]
 */
export const splitAtDashDash = (
  argv: ReadonlyArray<string>
): readonly [ReadonlyArray<string>, Option.Option<ReadonlyArray<string>>] => {
  const at = argv.indexOf("--")
  return at === -1 ? [argv, Option.none()] : [argv.slice(0, at), Option.some(argv.slice(at + 1))]
}
