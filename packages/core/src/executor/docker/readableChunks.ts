/**
 * Consuming a Node readable (a dockerode log or `docker save` stream) chunk by chunk, in order,
 * with an interruption that destroys the stream at once. (An async iterator cannot be closed while
 * a read is pending, so an idle log stream would hold its fiber until new output arrived.)
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"

/**
 * Calls `f` for each chunk, one at a time (the stream is paused while `f` runs), until the stream
 * ends. Interrupting destroys the stream.
 * @category constructors
 */
export const forEachChunk = <E>(
  readable: NodeJS.ReadableStream,
  f: (chunk: Uint8Array) => Promise<void>,
  onError: (cause: unknown) => E
): Effect.Effect<void, E> =>
  Effect.async<void, E>((resume) => {
    let done = false
    let pending: Promise<void> = Promise.resolve()
    const finish = (effect: Effect.Effect<void, E>) => {
      if (done) return
      done = true
      readable.removeListener("data", onData)
      resume(effect)
    }
    const onData = (chunk: Uint8Array | string) => {
      readable.pause()
      pending = pending
        .then(() => f(typeof chunk === "string" ? Buffer.from(chunk) : chunk))
        .then(
          () => {
            if (!done) readable.resume()
          },
          (cause: unknown) => {
            destroy(readable)
            finish(Effect.fail(onError(cause)))
          }
        )
    }
    readable.on("data", onData)
    readable.once("end", () => {
      pending.then(
        () => finish(Effect.void),
        () => undefined
      )
    })
    readable.once("error", (cause) => finish(Effect.fail(onError(cause))))
    readable.resume()
    return Effect.sync(() => {
      done = true
      readable.removeListener("data", onData)
      destroy(readable)
    })
  })

const destroy = (readable: NodeJS.ReadableStream) => {
  const r = readable as NodeJS.ReadableStream & { destroy?: () => void }
  if (typeof r.destroy === "function") r.destroy()
}
