/**
 * Where the built dashboard (`index.html` and `assets/`) is found at run time, and how a file of
 * it is answered. The build puts it in the host package's `dist/dashboard`; from the bundled
 * `dist/index.js` that is `./dashboard`, from the sources (`src/dashboard/*.ts`, as in tests)
 * it is `../../dist/dashboard`, and from a program that bundles this code (the CLI) it is found
 * through the installed `@hakuriver/host` package.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"

/** The directory of this module, in the ESM and the CJS build alike. */
const moduleDir = (): string =>
  typeof __dirname === "string" ? __dirname : path.dirname(fileURLToPath(import.meta.url))

/** `dist/dashboard` of the installed `@hakuriver/host`, when the module resolution finds it. */
const installedHostDir = (): ReadonlyArray<string> => {
  try {
    const resolve = typeof require === "function" ? require.resolve : createRequire(import.meta.url).resolve
    return [path.join(path.dirname(resolve("@hakuriver/host/package.json")), "dist", "dashboard")]
  } catch {
    return []
  }
}

/**
 * The folders searched for the built dashboard, in order.
 * @category paths
 */
export const candidateDirs = (explicit?: string): ReadonlyArray<string> => {
  const here = moduleDir()
  return [
    ...(explicit === undefined ? [] : [explicit]),
    path.join(here, "dashboard"),
    path.join(here, "..", "..", "dist", "dashboard"),
    path.join(here, "..", "dist", "dashboard"),
    ...installedHostDir()
  ]
}

/**
 * The first candidate folder that holds an `index.html`.
 * @category paths
 */
export const locate = (
  explicit?: string
): Effect.Effect<Option.Option<string>, never, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    Effect.findFirst(candidateDirs(explicit), (dir) =>
      fs.exists(path.join(dir, "index.html")).pipe(Effect.orElseSucceed(() => false))
    )
  )

/** Asset names as Vite emits them: one flat folder, no separators, no traversal. */
const assetName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/

/**
 * Whether `name` may be served from `assets/`.
 * @category validation
 */
export const isAssetName = (name: string): boolean => assetName.test(name) && !name.includes("..")

/** Hashed asset names never change content: cache them for good. */
const immutable = { "cache-control": "public, max-age=31536000, immutable" }

/**
 * Answers a file of the dashboard: `index.html` is never cached (it names the current assets),
 * the hashed assets are cached forever.
 * @category responses
 */
export const fileResponse = (dir: string, name: "index.html" | { readonly asset: string }) =>
  typeof name === "string"
    ? HttpServerResponse.file(path.join(dir, name), {
        headers: { "cache-control": "no-cache" },
        contentType: "text/html; charset=utf-8"
      })
    : HttpServerResponse.file(path.join(dir, "assets", name.asset), { headers: immutable })
