/**
 * The SDK client against a real host (in-process, SQLite in a temp dir, loopback port 0): the
 * Effect service and the promise facade, typed errors, the bearer token, unreachable hosts.
 * No runner here: tasks stay queued, which is what these calls need.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it, layer } from "@effect/vitest"
import { Host } from "@hakuriver/host"
import {
  connect,
  fromObject,
  HakuRiverClient,
  HakuRiverError,
  isHakuRiverError,
  resolveConnection,
  toTaskSpec
} from "@hakuriver/sdk"
import { Effect, Either, Layer } from "effect"

const token = "s3cret-token"

const hostLayer = Layer.unwrapScoped(
  Effect.gen(function* () {
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "hr-sdk-"))),
      (d) => Effect.sync(() => fs.rmSync(d, { recursive: true, force: true }))
    )
    const config = Either.getOrThrow(
      fromObject({
        network: { host_bind_ip: "127.0.0.1", host_port: 0 },
        paths: { shared_dir: path.join(dir, "shared"), local_temp_dir: path.join(dir, "temp") },
        database: { db_file: path.join(dir, "hakuriver.db") },
        security: { token }
      })
    )
    return Host.layer(config)
  })
)

/** The URL of the host in context. */
const url = Host.url

layer(hostLayer, { timeout: 60_000 })("SDK client against a real host", (it) => {
  it.effect("submits, lists, reads and kills queued tasks through the Effect service", () =>
    Effect.gen(function* () {
      const base = yield* url
      const program = Effect.gen(function* () {
        const client = yield* HakuRiverClient
        const ping = yield* client.ping()
        expect(ping.service).toBe("hakuriver-host")
        const submitted = yield* client.submit({
          command: ["sh", "-c", "echo $FOO"],
          env: { FOO: "bar" },
          memory: "64M",
          cores: 0.5
        })
        expect(submitted.taskIds).toHaveLength(1)
        expect(submitted.failedTargets).toEqual([])
        const id = submitted.taskIds[0]!
        const task = yield* client.status(id)
        expect(task.memoryBytes).toBe(64_000_000)
        expect(task.cores).toBe(0.5)
        expect(task.env).toEqual({ FOO: "bar" })
        expect(task.status).toBe("pending")
        const listed = yield* client.tasks({ batch: submitted.batchId })
        expect(listed.map((t) => t.taskId)).toEqual([id])
        const byStatus = yield* client.tasks({ status: ["pending"] })
        expect(byStatus.map((t) => t.taskId)).toContain(id)
        const killed = yield* client.kill(id)
        expect(killed.status).toBe("killed")
        const final = yield* client.wait([id], { pollInterval: 1 })
        expect(final.map((t) => t.status)).toEqual(["killed"])
        expect(yield* client.nodes()).toEqual([])
        const health = yield* client.health()
        expect(health.aggregate.nodesTotal).toBe(0)
      })
      yield* program.pipe(Effect.provide(HakuRiverClient.layer({ url: base, token })))
    })
  )

  it.effect("fails with typed errors the caller can narrow", () =>
    Effect.gen(function* () {
      const base = yield* url
      const program = Effect.gen(function* () {
        const client = yield* HakuRiverClient
        // every target refused: the host refuses the submission, naming each target
        const refused = yield* Effect.flip(
          client.submit({ command: ["true"], targets: ["nosuchnode", "other::0"] })
        )
        expect(refused._tag).toBe("BadRequest")
        expect(refused.message).toContain("nosuchnode")
        expect(refused.message).toContain("other::0")
        const missing = yield* Effect.flip(client.status("999999"))
        expect(missing._tag).toBe("NotFound")
        const bad = yield* Effect.flip(client.submit({ command: ["true"], memory: "4X" }))
        expect(bad._tag).toBe("BadRequest")
        expect(bad.message).toContain('invalid memory size "4X"')
        const notId = yield* Effect.flip(client.status("abc"))
        expect(notId._tag).toBe("BadRequest")
        // catchTag narrows on the tag
        const recovered = yield* client
          .status("999998")
          .pipe(Effect.catchTag("NotFound", () => Effect.succeed("gone")))
        expect(recovered).toBe("gone")
      })
      yield* program.pipe(Effect.provide(HakuRiverClient.layer({ url: base, token })))
    })
  )

  it.effect("refuses a wrong token with Unauthorized", () =>
    Effect.gen(function* () {
      const base = yield* url
      const error = yield* HakuRiverClient.pipe(
        Effect.flatMap((c) => c.nodes()),
        Effect.provide(HakuRiverClient.layer({ url: base, token: "wrong" })),
        Effect.flip
      )
      expect(error._tag).toBe("Unauthorized")
    })
  )

  it.effect("the promise facade resolves and rejects with HakuRiverError", () =>
    Effect.gen(function* () {
      const base = yield* url
      const result = yield* Effect.promise(async () => {
        const cluster = connect({ url: base, token })
        const { taskIds, batchId } = await cluster.submit({ command: ["echo", "x"], targets: [] })
        const task = await cluster.status(taskIds[0]!)
        await cluster.kill(taskIds[0]!)
        const updates: Array<string> = []
        const final = await cluster.wait(taskIds, {
          pollInterval: 1,
          onUpdate: (ts) => updates.push(ts[0]!.status)
        })
        const error = await cluster.status("424242").then(
          () => undefined,
          (e: unknown) => e
        )
        return { batchId, task, final, updates, error }
      })
      expect(result.task.batchId).toBe(result.batchId)
      expect(result.final.map((t) => t.status)).toEqual(["killed"])
      expect(result.updates).toContain("killed")
      expect(result.error).toBeInstanceOf(HakuRiverError)
      expect(isHakuRiverError(result.error, "NotFound")).toBe(true)
    })
  )
})

describe("connection and requests", () => {
  it.effect("an unreachable host is Unreachable", () =>
    Effect.gen(function* () {
      const error = yield* HakuRiverClient.pipe(
        Effect.flatMap((c) => c.ping()),
        Effect.provide(HakuRiverClient.layer({ url: "http://127.0.0.1:9", token: "" })),
        Effect.flip
      )
      expect(error._tag).toBe("Unreachable")
      expect(error.message).toBe("cannot reach the host at http://127.0.0.1:9 (ECONNREFUSED)")
    })
  )

  it.effect("HAKURIVER_URL and HAKURIVER_TOKEN win over the config; else the config gives them", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hr-conn-"))
      const file = path.join(dir, "config.toml")
      fs.writeFileSync(
        file,
        '[network]\nhost_reachable_address = "10.1.2.3"\nhost_port = 8123\n[security]\ntoken = "t1"\n'
      )
      const fromEnv = yield* resolveConnection({
        configPath: file,
        env: { HAKURIVER_URL: "http://head:9000/", HAKURIVER_TOKEN: "t2" }
      })
      expect(fromEnv).toEqual({ url: "http://head:9000", token: "t2" })
      const fromFile = yield* resolveConnection({ configPath: file, env: {} })
      expect(fromFile).toEqual({ url: "http://10.1.2.3:8123", token: "t1" })
      const emptyEnv = yield* resolveConnection({
        configPath: file,
        env: { HAKURIVER_URL: "", HAKURIVER_TOKEN: "" }
      })
      expect(emptyEnv).toEqual({ url: "http://10.1.2.3:8123", token: "t1" })
      const explicit = yield* resolveConnection({
        url: "127.0.0.1:7",
        token: "",
        env: { HAKURIVER_URL: "http://x:1" }
      })
      expect(explicit).toEqual({ url: "http://127.0.0.1:7", token: "" })
      const missing = yield* Effect.flip(
        resolveConnection({ configPath: path.join(dir, "nope.toml"), env: {} })
      )
      expect(missing._tag).toBe("ConfigError")
      fs.rmSync(dir, { recursive: true, force: true })
    })
  )

  it.effect("a submission takes memory as text or bytes and targets as strings", () =>
    Effect.gen(function* () {
      const spec = yield* toTaskSpec({ command: ["a"], memory: "1.5G", targets: ["n1:0", "n2::0,1"] })
      expect(spec.memoryBytes).toBe(1_500_000_000)
      expect(spec.targets.map((t) => [t.node, t.numa, t.gpus])).toEqual([
        ["n1", 0, undefined],
        ["n2", undefined, [0, 1]]
      ])
      const bytes = yield* toTaskSpec({ command: ["a"], memoryBytes: 1000 })
      expect(bytes.memoryBytes).toBe(1000)
      const both = yield* Effect.flip(toTaskSpec({ command: ["a"], memory: "1G", memoryBytes: 1 }))
      expect(both._tag).toBe("BadRequest")
      const target = yield* Effect.flip(toTaskSpec({ command: ["a"], targets: ["n1:x"] }))
      expect(target.message).toBe('invalid target "n1:x": NUMA id must be a non-negative integer')
      const empty = yield* Effect.flip(toTaskSpec({ command: [] }))
      expect(empty._tag).toBe("BadRequest")
    })
  )
})
