/**
 * Prints an argument array as one shell-readable line (for `--dry-run` and failure reports):
 * arguments with spaces or shell characters are single-quoted.
 *
 * @since 0.1.0
 */

const plain = /^[A-Za-z0-9_@%+=:,./-]+$/

/**
 * Quotes one argument for a POSIX shell when it needs it.
 * @category formatting
 */
export const quoteArg = (arg: string): string => (plain.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)

/**
 * Formats an argument array as a command line, e.g. `echo 1 'a b'`.
 * @category formatting
 */
export const formatCommand = (command: ReadonlyArray<string>): string => command.map(quoteArg).join(" ")
