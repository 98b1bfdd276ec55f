/** A scoped temp dir: `scopedTempDir(prefix)` makes `$TMPDIR/hakuriver-<prefix>-*` and removes it with the scope. */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"

/** A fresh temp dir named `hakuriver-<prefix>-…`, removed (recursively) when the scope closes. */
export const scopedTempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), `hakuriver-${prefix}-`))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )
