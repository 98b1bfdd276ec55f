/**
 * Looks an executable up the way `execvp` does: a name with a slash is taken as a path, any other
 * name is searched in the directories of `PATH`.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"

const isExecutable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/**
 * The absolute path of `name`, or `undefined` when it is not an executable file.
 * @category constructors
 */
export const findExecutable = (name: string, searchPath: string | undefined): string | undefined => {
  if (name.length === 0) return undefined
  if (name.includes("/")) return isExecutable(name) ? path.resolve(name) : undefined
  for (const dir of (searchPath ?? "").split(":")) {
    if (dir.length === 0) continue
    const file = path.join(dir, name)
    if (isExecutable(file)) return file
  }
  return undefined
}
