/**
 * Splits a command line typed in the submit form into an argument array, the way a POSIX shell
 * would split words (single quotes, double quotes, backslash escapes) — but nothing is ever run
 * through a shell: the array is what the host receives.
 */

/** The words of `line`, or an error message for an unterminated quote. */
export const splitArgs = (
  line: string
): { readonly args: ReadonlyArray<string> } | { readonly error: string } => {
  const args: Array<string> = []
  let current = ""
  let inWord = false
  let quote: "'" | '"' | null = null
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? ""
    if (quote === "'") {
      if (c === "'") quote = null
      else current += c
    } else if (quote === '"') {
      if (c === '"') quote = null
      else if (c === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1] ?? "")) {
        current += line[i + 1]
        i++
      } else current += c
    } else if (c === "'" || c === '"') {
      quote = c
      inWord = true
    } else if (c === "\\" && i + 1 < line.length) {
      current += line[i + 1]
      i++
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) args.push(current)
      current = ""
      inWord = false
    } else {
      current += c
      inWord = true
    }
  }
  if (quote !== null) return { error: `unterminated ${quote === "'" ? "single" : "double"} quote` }
  if (inWord) args.push(current)
  return { args }
}

/** Shows an argument array as one line, quoting the words that need it. */
export const joinArgs = (args: ReadonlyArray<string>): string =>
  args
    .map((a) => (a !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`))
    .join(" ")
