/**
 * Module targets of `hakurun`: `./sweep.ts:main` imports the module and calls its exported
 * function `main` with the run's arguments (as strings). Each run is its own Node process, so
 * runs stay isolated and parallel. A returned integer is the run's exit code; a throw (or a
 * rejected promise) is exit code 1. `.ts`, `.mts` and `.cts` modules are loaded through tsx.
 *
 * @since 0.1.0
 */
import { createRequire } from "node:module"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

/**
 * A parsed `FILE:EXPORT` target.
 * @category models
 */
export interface ModuleTarget {
  readonly file: string
  readonly exportName: string
}

const targetPattern = /^(.+\.(?:ts|mts|cts|js|mjs|cjs)):([A-Za-z_$][\w$]*)$/

/**
 * Recognises `FILE.ts:EXPORT` (also `.mts`, `.cts`, `.js`, `.mjs`, `.cjs`); anything else is a
 * plain executable.
 * @category parsing
 */
export const parseModuleTarget = (target: string): ModuleTarget | undefined => {
  const m = targetPattern.exec(target)
  return m?.[1] === undefined || m[2] === undefined ? undefined : { file: m[1], exportName: m[2] }
}

/** The program each module run executes (`node -e`): import, call, map the outcome to an exit code. */
const callerSource = `
import { pathToFileURL } from "node:url"
const [file, name, ...args] = process.argv.slice(1)
const mod = await import(pathToFileURL(file).href)
const fn = typeof mod[name] === "function" ? mod[name] : mod.default?.[name]
if (typeof fn !== "function") {
  process.stderr.write("hakurun: " + file + " has no exported function " + name + "\\n")
  process.exit(2)
}
try {
  const result = await fn(...args)
  process.exitCode = Number.isInteger(result) ? result : 0
} catch (error) {
  process.stderr.write(String(error?.stack ?? error) + "\\n")
  process.exitCode = 1
}
`

const needsTsx = (file: string): boolean => /\.[mc]?ts$/.test(file)

/** The tsx loader as a file URL, when it can be found from here. */
const tsxLoader = (): string | undefined => {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href
  } catch {
    return undefined
  }
}

/**
 * The argument array of one run of a module target: `node [--import tsx] -e CALLER FILE EXPORT
 * ARGS...`. Fails (as a message) when a TypeScript module needs tsx and tsx is not installed.
 * @category constructors
 */
export const moduleCommand = (
  target: ModuleTarget,
  args: ReadonlyArray<string>,
  cwd: string = process.cwd()
): { readonly command: Array<string> } | { readonly error: string } => {
  const loader = needsTsx(target.file) ? tsxLoader() : undefined
  if (needsTsx(target.file) && loader === undefined) {
    return { error: `running ${target.file} needs tsx; install it (npm install tsx)` }
  }
  return {
    command: [
      process.execPath,
      ...(loader === undefined ? [] : ["--import", loader]),
      "--input-type=module",
      "-e",
      callerSource,
      path.resolve(cwd, target.file),
      target.exportName,
      ...args
    ]
  }
}
