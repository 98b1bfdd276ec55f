/**
 * dockerode, loaded without the two stacks it requires up front and a cluster rarely uses: SSH
 * (`ssh2`, for an `ssh://` `DOCKER_HOST`) and gRPC with protobuf (`@grpc/grpc-js`, for BuildKit
 * sessions of `buildImage`). Each is loaded on its first call instead, and dockerode then works
 * as it always does.
 *
 * Loading them took 80–95 ms of every host and Docker runner start here (dockerode: 100–118 ms
 * → 24 ms), 172 modules, and 5 MB of an idle host's RSS (ssh2 alone allocates a 16 MiB heap for
 * its Poly1305 code).
 *
 * How: dockerode reaches them through one file each, `docker-modem/lib/ssh.js` and
 * `dockerode/lib/session.js`, both exporting one function. Before dockerode is first loaded,
 * each file's entry in the CommonJS module cache is filled with a function that loads the real
 * file on its first call and hands on every call. Node documents adding to the cache
 * (`require.cache`). Where a file is not found (another layout, a bundler), nothing is deferred
 * and dockerode loads as published.
 *
 * @since 0.1.0
 */
import { createRequire, Module } from "node:module"
import * as fs from "node:fs"
import * as path from "node:path"
import type Docker from "dockerode"

const require = createRequire(import.meta.url)

/** The files whose loading waits for their first call, found from dockerode's entry point. */
export const deferredFiles = (): ReadonlyArray<string> => {
  const dockerode = require.resolve("dockerode")
  const modem = createRequire(dockerode).resolve("docker-modem")
  return [path.join(path.dirname(modem), "ssh.js"), path.join(path.dirname(dockerode), "session.js")]
}

/** The files to defer, or none where dockerode's dependencies are laid out otherwise. */
const findDeferred = (): ReadonlyArray<string> => {
  try {
    return deferredFiles()
  } catch {
    return []
  }
}

type Exported = (this: unknown, ...args: Array<unknown>) => unknown

/** A module whose export loads `file` on the first call and hands every call to it. */
const deferring = (file: string): Module => {
  let real: Exported | undefined
  const load = (): Exported => {
    delete require.cache[file]
    const loaded: unknown = require(file)
    if (typeof loaded !== "function") throw new TypeError(`${file} does not export a function`)
    real = loaded as Exported
    return real
  }
  const stand = new Module(file)
  stand.filename = file
  stand.loaded = true
  stand.exports = function (this: unknown, ...args: Array<unknown>) {
    return (real ?? load()).apply(this, args)
  }
  return stand
}

/**
 * The dockerode class, its SSH and BuildKit stacks deferred to their first use. Later calls find
 * it in Node's module cache.
 * @category constructors
 */
export const loadDockerode = (): typeof Docker => {
  if (require.cache[require.resolve("dockerode")] === undefined) {
    for (const file of findDeferred()) {
      if (require.cache[file] === undefined && fs.existsSync(file)) require.cache[file] = deferring(file)
    }
  }
  return require("dockerode") as typeof Docker
}
