/**
 * The reference page itself: `HttpApiScalar`'s route, built in a router of its own and answered
 * from there. Loaded by {@link ApiReference} on the first request for the page.
 *
 * @since 0.1.0
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiScalar from "@effect/platform/HttpApiScalar"
import type * as HttpRouter from "@effect/platform/HttpRouter"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * The app that answers `path` with the page of `api`.
 * @category constructors
 */
export const referencePage = (
  api: Context.Tag.Service<HttpApi.Api>,
  path: `/${string}`
): Effect.Effect<HttpRouter.HttpRouter<unknown, HttpRouter.HttpRouter.DefaultServices>> =>
  Effect.scoped(
    Effect.gen(function* () {
      const built = yield* Layer.build(
        HttpApiScalar.layer({ path }).pipe(
          Layer.provideMerge(HttpApiBuilder.Router.Live),
          Layer.provide(Layer.succeed(HttpApi.Api, api))
        )
      )
      return yield* Context.get(built, HttpApiBuilder.Router).router
    })
  )
