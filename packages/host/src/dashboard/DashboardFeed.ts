/**
 * The dashboard's live feed: one background loop per host that watches the cluster (nodes and
 * health, every couple of seconds, publishing only changes), keeps a usage history for the
 * charts, and turns the host's task status changes into task events. Every SSE client
 * subscribes to the same hub, so the store is read once however many browsers are open.
 *
 * Task events come from the host's change stream (no polling); node usage has no change stream
 * (runners report it in heartbeats), so the cluster state is read at a modest interval and
 * published when it differs from the last one.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { ClusterState, type ClusterSample, type DashboardEvent, sampleOf } from "./DashboardEvents.js"
import { DashboardSource } from "./DashboardSource.js"

/**
 * Timing of the feed.
 * @category models
 */
export interface FeedOptions {
  /** How often the cluster state is read (default 2 s). */
  readonly clusterInterval?: Duration.DurationInput
  /** How often a usage sample is recorded (default 5 s). */
  readonly sampleInterval?: Duration.DurationInput
  /** How much usage history is kept for the charts (default 10 minutes). */
  readonly historyWindow?: Duration.DurationInput
}

/**
 * The feed's interface.
 * @category models
 */
export interface DashboardFeedShape {
  /** One client's events: a `snapshot` first, then every change as it happens. */
  readonly events: Stream.Stream<DashboardEvent>
  /** The usage history, oldest first. */
  readonly history: Effect.Effect<ReadonlyArray<ClusterSample>>
}

/**
 * The live feed.
 * @category services
 */
export class DashboardFeed extends Context.Tag("@hakuriver/host/DashboardFeed")<
  DashboardFeed,
  DashboardFeedShape
>() {}

const encodeCluster = Schema.encodeSync(Schema.parseJson(ClusterState))

/**
 * Starts the feed's loops in the layer's scope.
 * @category constructors
 */
export const make = (options: FeedOptions = {}) =>
  Effect.gen(function* () {
    const source = yield* DashboardSource
    const clusterInterval = Duration.decode(options.clusterInterval ?? "2 seconds")
    const sampleEveryMs = Duration.toMillis(options.sampleInterval ?? "5 seconds")
    const windowMs = Duration.toMillis(options.historyWindow ?? "10 minutes")

    // Slow clients lose the oldest events instead of growing the host's memory.
    const hub = yield* Effect.acquireRelease(PubSub.sliding<DashboardEvent>(4096), PubSub.shutdown)
    const history = yield* Ref.make<ReadonlyArray<ClusterSample>>([])
    const lastCluster = yield* Ref.make("")
    const lastSampleAt = yield* Ref.make(Number.NEGATIVE_INFINITY)

    // with no dashboard open nothing is read but the usage samples (the charts' history): the
    // feed read every changed task from the database, 4 reads per task, for nobody
    const watchers = yield* Ref.make(0)
    const watched = Effect.map(Ref.get(watchers), (n) => n > 0)

    const watchCluster = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const sampleDue = now - (yield* Ref.get(lastSampleAt)) >= sampleEveryMs
      const watching = yield* watched
      if (!sampleDue && !watching) return
      // the sample needs the health report only; the node list and the comparison (an encode
      // of every node: 30 ms every 5 s with 500 nodes) are for open dashboards
      const health = yield* source.health
      if (watching) {
        const nodes = yield* source.nodes
        const key = encodeCluster({ nodes, health })
        const previous = yield* Ref.getAndSet(lastCluster, key)
        if (previous !== key) yield* PubSub.publish(hub, { _tag: "cluster", data: { nodes, health } })
      }
      if (sampleDue) {
        yield* Ref.set(lastSampleAt, now)
        const sample = sampleOf(health, new Date(now).toISOString())
        yield* Ref.update(history, (samples) =>
          [...samples, sample].filter((s) => now - new Date(s.at).getTime() <= windowMs)
        )
        yield* PubSub.publish(hub, { _tag: "sample", data: sample })
      }
    }).pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("dashboard: reading the cluster failed", cause))
    )

    yield* watchCluster.pipe(
      Effect.repeat(Schedule.spaced(clusterInterval)),
      Effect.withSpan("DashboardFeed.watchCluster"),
      Effect.forkScoped
    )

    yield* source.taskChanges.pipe(
      Stream.filterEffect(() => watched),
      Stream.mapEffect(source.task),
      Stream.filterMap((task) => task),
      Stream.runForEach((task) => PubSub.publish(hub, { _tag: "task", data: task })),
      Effect.catchAllCause((cause) => Effect.logWarning("dashboard: the task change stream failed", cause)),
      Effect.repeat(Schedule.spaced("1 second")),
      Effect.forkScoped
    )

    const events: Stream.Stream<DashboardEvent> = Stream.unwrapScoped(
      Effect.gen(function* () {
        yield* Effect.acquireRelease(
          Ref.update(watchers, (n) => n + 1),
          () => Ref.update(watchers, (n) => n - 1)
        )
        // Subscribe before reading the snapshot, so nothing falls between the two.
        const subscription = yield* PubSub.subscribe(hub)
        const [nodes, health] = yield* Effect.all([source.nodes, source.health], { concurrency: 2 })
        const samples = yield* Ref.get(history)
        const snapshot: DashboardEvent = { _tag: "snapshot", data: { nodes, health, history: samples } }
        return Stream.concat(Stream.make(snapshot), Stream.fromQueue(subscription))
      })
    )

    return DashboardFeed.of({ events, history: Ref.get(history) })
  })

/**
 * The feed as a layer; its loops run while the layer is alive.
 * @category layers
 */
export const layer = (options: FeedOptions = {}): Layer.Layer<DashboardFeed, never, DashboardSource> =>
  Layer.scoped(DashboardFeed, make(options))
