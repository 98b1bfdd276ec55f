/**
 * The host's scheduler: reads before writes within a turn, and a turn for the event loop (new
 * requests read from their sockets) after a few milliseconds of work.
 */
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpClient,
  HttpClientRequest
} from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, FiberRef, Layer, Schema } from "effect"
import { atWritePriority, requestPriority, TurnScheduler, writePriority } from "../src/ReadsFirst.js"

const busy = (ms: number) => {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // work that does not yield
  }
}

describe("TurnScheduler", () => {
  it("runs lower priorities first, and in order within a priority", async () => {
    const scheduler = new TurnScheduler(1000)
    const ran: Array<string> = []
    scheduler.scheduleTask(() => ran.push("write 1"), 1)
    scheduler.scheduleTask(() => ran.push("read 1"), 0)
    scheduler.scheduleTask(() => {
      ran.push("write 2")
      // a read that arrives while writes run goes before the writes still waiting
      scheduler.scheduleTask(() => ran.push("read 3"), 0)
    }, 1)
    scheduler.scheduleTask(() => ran.push("write 3"), 1)
    scheduler.scheduleTask(() => ran.push("read 2"), 0)
    await new Promise((resolve) => setImmediate(resolve))
    expect(ran).toEqual(["read 1", "read 2", "write 1", "write 2", "read 3", "write 3"])
  })

  it("lets the event loop run between turns of `budgetMs`", async () => {
    const scheduler = new TurnScheduler(5)
    let done = 0
    const step = () => {
      busy(2)
      done++
      if (done < 20) scheduler.scheduleTask(step, 1)
    }
    scheduler.scheduleTask(step, 1)
    // what a socket's data callback would be: it runs long before the 40 ms of work are done
    const seenAt = await new Promise<number>((resolve) => setImmediate(() => resolve(done)))
    expect(seenAt).toBeGreaterThan(0)
    expect(seenAt).toBeLessThan(20)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(done).toBe(20)
  })

  it("a flood of reads slows writes down but does not stop them", async () => {
    const scheduler = new TurnScheduler(5)
    let reads = 0
    let readsWhenWriteRan = -1
    const read = () => {
      busy(1)
      reads++
      // every read brings another: reads alone would fill every turn
      if (reads < 100) scheduler.scheduleTask(read, 0)
    }
    scheduler.scheduleTask(read, 0)
    scheduler.scheduleTask(() => {
      readsWhenWriteRan = reads
    }, 1)
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(reads).toBe(100)
    expect(readsWhenWriteRan).toBeGreaterThan(0)
    expect(readsWhenWriteRan).toBeLessThan(20)
  })

  it.effect("runs Effect fibers: a fiber at a lower priority value goes first", () =>
    Effect.gen(function* () {
      const ran: Array<string> = []
      const record = (name: string) =>
        Effect.yieldNow().pipe(
          Effect.zipRight(Effect.sync(() => ran.push(name))),
          Effect.zipRight(Effect.yieldNow()),
          Effect.zipRight(Effect.sync(() => ran.push(`${name} again`)))
        )
      const write = yield* Effect.fork(Effect.withSchedulingPriority(record("write"), writePriority))
      const read = yield* Effect.fork(record("read"))
      yield* Fiber.join(write)
      yield* Fiber.join(read)
      expect(ran.indexOf("read again")).toBeLessThan(ran.indexOf("write again"))
    }).pipe(Effect.withScheduler(new TurnScheduler(1000)))
  )
})

describe("atWritePriority", () => {
  it.live("fibers forked while the layer is built run at the write priority", () =>
    Effect.gen(function* () {
      let seen = -1
      const background = Layer.scopedDiscard(
        Effect.forkScoped(
          Effect.flatMap(FiberRef.get(FiberRef.currentSchedulingPriority), (p) =>
            Effect.sync(() => {
              seen = p
            })
          )
        )
      )
      yield* Effect.scoped(
        Effect.zipRight(Layer.build(atWritePriority(background)), Effect.sleep("10 millis"))
      )
      expect(seen).toBe(writePriority)
      expect(yield* FiberRef.get(FiberRef.currentSchedulingPriority)).toBe(0)
    })
  )
})

describe("requestPriority", () => {
  // each route answers the scheduling priority its handler ran at; a middleware layer (as the
  // host's body check) notes the priority it ran at
  const Api = HttpApi.make("priorities").add(
    HttpApiGroup.make("p")
      .add(HttpApiEndpoint.get("read", "/p").addSuccess(Schema.Number))
      .add(HttpApiEndpoint.post("write", "/p").addSuccess(Schema.Number))
  )
  const priority = FiberRef.get(FiberRef.currentSchedulingPriority)
  const Live = HttpApiBuilder.group(Api, "p", (handlers) =>
    handlers.handle("read", () => priority).handle("write", () => priority)
  )
  const seenByMiddleware: Array<number> = []
  const noting = HttpApiBuilder.middleware((app) =>
    Effect.zipRight(
      Effect.flatMap(priority, (p) => Effect.sync(() => seenByMiddleware.push(p))),
      app
    )
  )
  const served = HttpApiBuilder.serve(requestPriority).pipe(
    Layer.provide(noting),
    Layer.provide(HttpApiBuilder.api(Api).pipe(Layer.provide(Live))),
    Layer.provideMerge(NodeHttpServer.layerTest)
  )
  const answer = (request: HttpClientRequest.HttpClientRequest) =>
    Effect.flatMap(HttpClient.execute(request), (response) => response.json)

  it.scoped(
    "a write request runs at the write priority from its start, middleware included; a read at the default",
    () =>
      Effect.gen(function* () {
        expect(yield* answer(HttpClientRequest.post("/p"))).toBe(writePriority)
        expect(yield* answer(HttpClientRequest.get("/p"))).toBe(0)
        expect(yield* answer(HttpClientRequest.post("/p"))).toBe(writePriority)
        expect(yield* answer(HttpClientRequest.get("/p"))).toBe(0)
        expect(seenByMiddleware).toEqual([writePriority, 0, writePriority, 0])
      }).pipe(Effect.provide(served))
  )
})
