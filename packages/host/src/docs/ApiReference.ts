/**
 * The API reference page at `/docs` (Scalar, from the OpenAPI description of the host's API),
 * built on its first request. Its script is 3.4 MB: built at start, the page held some 9 MB of
 * the host's memory and its module 3.4 MB more, for a page few ever open.
 *
 * @since 0.1.0
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as Effect from "effect/Effect"

/**
 * Serves the reference page at `path`.
 * @category layers
 */
export const layer = (path: `/${string}` = "/docs") =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function* () {
      const api = yield* HttpApi.Api
      const page = yield* Effect.cached(
        Effect.flatMap(
          Effect.promise(() => import("./referencePage.js")),
          (module) => module.referencePage(api, path)
        )
      )
      yield* router.get(path, Effect.flatten(page))
    })
  )
