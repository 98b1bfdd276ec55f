/**
 * The host's database schema as migrations in code. The SQL is plain enough for SQLite and
 * PostgreSQL alike: TEXT, INTEGER, BIGINT, DOUBLE PRECISION; JSON kept in TEXT columns; booleans
 * as 0/1 integers.
 *
 * @since 0.1.0
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

const initial = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE nodes (
    name TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    cores DOUBLE PRECISION NOT NULL,
    memory_bytes BIGINT NOT NULL,
    numa TEXT NOT NULL,
    gpus TEXT NOT NULL,
    executors TEXT NOT NULL,
    status TEXT NOT NULL,
    usage TEXT,
    registered_at TEXT NOT NULL,
    last_heartbeat_at TEXT
  )`
  yield* sql`CREATE TABLE batches (
    batch_id TEXT PRIMARY KEY,
    submitted_at TEXT NOT NULL,
    task_count INTEGER NOT NULL
  )`
  yield* sql`CREATE TABLE tasks (
    task_id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL UNIQUE,
    batch_id TEXT NOT NULL REFERENCES batches (batch_id),
    status TEXT NOT NULL,
    command TEXT NOT NULL,
    env TEXT NOT NULL,
    cores DOUBLE PRECISION NOT NULL,
    memory_bytes BIGINT,
    gpus TEXT NOT NULL,
    numa_node INTEGER,
    target TEXT,
    node TEXT,
    container TEXT NOT NULL,
    privileged INTEGER NOT NULL,
    mounts TEXT NOT NULL,
    exit_code INTEGER,
    error TEXT,
    submitted_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    stdout_path TEXT NOT NULL,
    stderr_path TEXT NOT NULL
  )`
  yield* sql`CREATE INDEX tasks_status ON tasks (status, seq)`
  yield* sql`CREATE INDEX tasks_node ON tasks (node, status)`
  yield* sql`CREATE INDEX tasks_batch ON tasks (batch_id)`
})

/** Each placement of a task counts as an attempt (see `Task.attempt`). */
const attempts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE tasks ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0`
})

/**
 * Runs the pending migrations (idempotent; safe on every start).
 * @category migrations
 */
export const migrate = Migrator.make({})({
  loader: Migrator.fromRecord({ "1_initial": initial, "2_attempts": attempts }),
  table: "hakuriver_migrations"
})
