/**
 * Heartbeats of online nodes are written together once a second, not one statement each: every
 * read of the nodes sees them at once, the offline check counts them, and closing the store
 * writes what is left.
 */
import * as path from "node:path"
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, TestClock } from "effect"
import * as SqliteDatabase from "../src/SqliteDatabase.js"
import * as Store from "../src/Store.js"
import { TaskEvents } from "../src/TaskEvents.js"
import { nodeInfo as node, usageAt as usage } from "./support/drafts.js"
import { tempDir } from "./support/harness.js"

/** The store on `file`, and the same file's SqlClient to look at the rows themselves. */
const storeAt = (file: string) =>
  Store.layer.pipe(Layer.provideMerge(SqliteDatabase.layer(file)), Layer.provideMerge(TaskEvents.Default))

const row = (name: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ status: string; last: string | null; usage: string | null }>`
        SELECT status, last_heartbeat_at AS last, usage FROM nodes WHERE name = ${name}`,
      (rows) => rows[0]
    )
  )

const lastSeen = (store: Store.StoreShape, name: string) =>
  Effect.map(store.listNodes, (list) => list.find((n) => n.info.name === name)?.lastHeartbeatAt)

describe("heartbeat writes", () => {
  it.scoped(
    "a beat is seen at once, written within a second, counted by the offline check, and written on close",
    () =>
      Effect.gen(function* () {
        const file = path.join(yield* tempDir, "host.db")
        yield* Effect.gen(function* () {
          const store = yield* Store.Store
          yield* store.upsertNode(node("n1"), "t0")
          yield* store.upsertNode(node("n2"), "t0")
          expect(Option.isSome(yield* store.heartbeat("n1", usage(5), "t1"))).toBe(true)
          // not in the file yet, but in every read, also one that reads the table again
          expect(yield* row("n1")).toMatchObject({ last: "t0", usage: null })
          yield* store.upsertNode(node("n3"), "t0")
          expect(yield* lastSeen(store, "n1")).toBe("t1")
          expect(Option.getOrThrow(yield* store.getNode("n1")).usage?.cpuPercent).toBe(5)
          // the offline check of a node whose last beat is not written yet: it stays online
          expect(yield* store.markNodeOffline("n1", "gone", "t9", "t0.5")).toEqual([])
          expect((yield* row("n1"))?.status).toBe("online")
          // written within the second
          yield* TestClock.adjust("1 second")
          expect(yield* row("n1")).toMatchObject({ status: "online", last: "t1" })
          expect(JSON.parse((yield* row("n1"))?.usage ?? "{}").cpuPercent).toBe(5)
          // a node that goes offline with a beat not written keeps its status and time
          yield* store.heartbeat("n2", usage(7), "t2")
          yield* store.markNodeOffline("n2", "gone", "t9")
          yield* TestClock.adjust("1 second")
          expect(yield* row("n2")).toMatchObject({ status: "offline", last: "t0" })
          // a beat left when the store closes is written then
          yield* store.heartbeat("n1", usage(9), "t3")
        }).pipe(Effect.provide(storeAt(file)), Effect.scoped)
        const reopened = yield* row("n1").pipe(Effect.provide(SqliteDatabase.layer(file)))
        expect(reopened).toMatchObject({ status: "online", last: "t3" })
      })
  )
})
