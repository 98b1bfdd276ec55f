/**
 * The SQLite side of the store: the one place that knows the database is a SQLite file (WAL,
 * busy timeout, foreign keys, the file path). Everything else talks to `SqlClient`.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { mkdirSync } from "node:fs"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const pragmas = Layer.effectDiscard(
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`PRAGMA busy_timeout = 5000`
    // WAL + NORMAL: a commit no longer waits for an fsync (≈4 ms each on a VM disk, four per
    // task); an application crash still loses nothing, a power cut may lose the last commits.
    yield* sql`PRAGMA synchronous = NORMAL`
    yield* sql`PRAGMA foreign_keys = ON`
  }).pipe(Effect.orDie)
)

/**
 * A `SqlClient` on the SQLite file `file` (created with its folder when missing), in WAL mode.
 * @category layers
 */
export const layer = (file: string): Layer.Layer<SqlClient.SqlClient | SqliteClient.SqliteClient> =>
  Layer.provideMerge(
    pragmas,
    Layer.unwrapEffect(
      Effect.sync(() => {
        mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
        return SqliteClient.layer({ filename: file })
      })
    )
  ).pipe(Layer.orDie)
