/**
 * The dashboard's routes on the host's HTTP server: the page at `/`, its assets at
 * `/assets/*`, and the live feed as Server-Sent Events at `/events`. The page and its assets are
 * public (the page asks for the token); `/events` needs the token like every API route, as
 * `Authorization: Bearer TOKEN` or — since `EventSource` cannot set headers — `?token=TOKEN`.
 *
 * @since 0.1.0
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { tokenMatches } from "@hakuriver/sdk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { fileResponse, isAssetName, locate } from "./DashboardAssets.js"
import { keepAliveFrame, toSse } from "./DashboardEvents.js"
import * as DashboardFeed from "./DashboardFeed.js"
import type { DashboardSource } from "./DashboardSource.js"

/**
 * Options of the dashboard routes.
 * @category models
 */
export interface DashboardOptions {
  /** The host's shared token ("" = none); `/events` checks it. */
  readonly token: string
  /** The built dashboard folder; by default it is found next to the host package's build. */
  readonly assetsDir?: string
  /** Timing of the live feed. */
  readonly feed?: DashboardFeed.FeedOptions
}

const bearerPrefix = /^bearer\s+/i

/**
 * Whether a request carries the token, in the `Authorization` header or the `token` query.
 * @category security
 */
export const authorized = (token: string, request: HttpServerRequest.HttpServerRequest): boolean => {
  if (token === "") return true
  const header = request.headers.authorization ?? ""
  const fromHeader = bearerPrefix.test(header) ? header.replace(bearerPrefix, "") : ""
  const fromQuery = new URL(request.url, "http://host.invalid").searchParams.get("token") ?? ""
  const presented = fromHeader !== "" ? fromHeader : fromQuery
  return presented !== "" && tokenMatches(token, presented)
}

const notBuilt = HttpServerResponse.text(
  "The dashboard is not built: run `npm run build` (it builds into packages/host/dist/dashboard).",
  { status: 503 }
)

const unauthorized = HttpServerResponse.unsafeJson(
  { _tag: "Unauthorized", message: "missing or wrong bearer token" },
  { status: 401 }
)

/** How often an idle event stream sends a comment to stay open. */
const keepAliveEvery = "15 seconds"

/**
 * The routes, without the feed they read (`DashboardFeed`).
 * @category layers
 */
export const routes = (options: DashboardOptions): Layer.Layer<never, never, DashboardFeed.DashboardFeed> =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function* () {
      const feed = yield* DashboardFeed.DashboardFeed
      // Found once, but looked for again while missing (a build may land after the start).
      const found = yield* Ref.make(Option.none<string>())
      const assetsDir = Effect.gen(function* () {
        const known = yield* Ref.get(found)
        if (Option.isSome(known)) return known
        const dir = yield* locate(options.assetsDir)
        yield* Ref.set(found, dir)
        return dir
      })

      const page = Effect.flatMap(assetsDir, (dir) =>
        Option.match(dir, {
          onNone: () => Effect.succeed(notBuilt),
          onSome: (d) =>
            fileResponse(d, "index.html").pipe(
              Effect.orElseSucceed(() => HttpServerResponse.empty({ status: 404 }))
            )
        })
      ).pipe(Effect.withSpan("Dashboard.page"))

      yield* router.get("/", page)
      yield* router.get("/index.html", page)

      yield* router.get(
        "/assets/*",
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const name = decodeURIComponent(
            new URL(request.url, "http://host.invalid").pathname.slice("/assets/".length)
          )
          const dir = yield* assetsDir
          if (!isAssetName(name) || Option.isNone(dir)) return HttpServerResponse.empty({ status: 404 })
          return yield* fileResponse(dir.value, { asset: name }).pipe(
            Effect.orElseSucceed(() => HttpServerResponse.empty({ status: 404 }))
          )
        }).pipe(Effect.withSpan("Dashboard.asset"))
      )

      yield* router.get(
        "/events",
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          if (!authorized(options.token, request)) return unauthorized
          const frames = Stream.merge(
            Stream.map(feed.events, toSse),
            Stream.fromSchedule(Schedule.spaced(keepAliveEvery)).pipe(Stream.as(keepAliveFrame)),
            { haltStrategy: "left" }
          )
          return HttpServerResponse.stream(
            Stream.encodeText(Stream.concat(Stream.make("retry: 3000\n\n"), frames)),
            {
              contentType: "text/event-stream",
              headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
            }
          )
        }).pipe(Effect.withSpan("Dashboard.events"))
      )
    })
  )

/**
 * The dashboard on the host's router: the page, its assets and the live feed. Compose it with
 * the host's API layer; it reads the host through `DashboardSource`.
 * @category layers
 * @example
 * HttpApiBuilder.serve().pipe(
 *   Layer.provide(Dashboard.layer({ token: config.security.token })),
 *   Layer.provide(dashboardSourceLayer),
 *   Layer.provide(HostApiLive)
 * )
 */
export const layer = (options: DashboardOptions): Layer.Layer<never, never, DashboardSource> =>
  routes(options).pipe(Layer.provide(DashboardFeed.layer(options.feed)))
