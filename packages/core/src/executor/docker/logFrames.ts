/**
 * Docker's multiplexed log stream: frames of an 8-byte header (stream id, three zero bytes, a
 * big-endian length) and a payload; with `timestamps=true` each payload starts with an RFC 3339
 * time and a space.
 *
 * @since 0.1.0
 */

/**
 * One frame: stream 1 is stdout, 2 is stderr (0 is stdin, never sent for logs).
 * @category models
 */
export interface LogFrame {
  readonly stream: 0 | 1 | 2
  readonly payload: Uint8Array
}

/**
 * An incremental decoder: feed it chunks as they arrive, get whole frames back. Bytes of a frame
 * split across chunks are kept until the frame is complete.
 * @category models
 */
export interface FrameDecoder {
  readonly push: (chunk: Uint8Array) => ReadonlyArray<LogFrame>
  /** Bytes held that do not yet make a whole frame. */
  readonly pending: () => number
}

const headerSize = 8

/**
 * Makes a frame decoder.
 * @category constructors
 */
export const frameDecoder = (): FrameDecoder => {
  let buffer: Uint8Array = new Uint8Array(0)
  const push = (chunk: Uint8Array): ReadonlyArray<LogFrame> => {
    if (buffer.length === 0) buffer = chunk
    else {
      const joined = new Uint8Array(buffer.length + chunk.length)
      joined.set(buffer, 0)
      joined.set(chunk, buffer.length)
      buffer = joined
    }
    const frames: Array<LogFrame> = []
    let offset = 0
    while (buffer.length - offset >= headerSize) {
      const view = new DataView(buffer.buffer, buffer.byteOffset + offset, headerSize)
      const kind = view.getUint8(0)
      const size = view.getUint32(4, false)
      if (buffer.length - offset - headerSize < size) break
      const start = offset + headerSize
      frames.push({
        stream: kind === 2 ? 2 : kind === 0 ? 0 : 1,
        payload: buffer.slice(start, start + size)
      })
      offset = start + size
    }
    buffer = offset === 0 ? buffer : buffer.slice(offset)
    return frames
  }
  return { push, pending: () => buffer.length }
}

/**
 * Encodes a frame (the inverse of the decoder; used by tests and tools).
 * @category constructors
 */
export const encodeFrame = (frame: LogFrame): Uint8Array => {
  const out = new Uint8Array(headerSize + frame.payload.length)
  const view = new DataView(out.buffer)
  view.setUint8(0, frame.stream)
  view.setUint32(4, frame.payload.length, false)
  out.set(frame.payload, headerSize)
  return out
}

const timestampPattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/

/**
 * Parses Docker's RFC 3339 timestamp (`2026-11-25T18:02:20.318962479Z`) to nanoseconds since the
 * epoch, or `undefined` when it is not one.
 * @category parsing
 */
export const parseTimestampNanos = (input: string): bigint | undefined => {
  const m = timestampPattern.exec(input)
  if (m === null) return undefined
  const [, whole = "", fraction = "", zone = "Z"] = m
  const millis = Date.parse(`${whole}${zone}`)
  if (Number.isNaN(millis)) return undefined
  return BigInt(millis) * 1_000_000n + BigInt(fraction.padEnd(9, "0"))
}

const space = 0x20

/**
 * Splits a payload sent with `timestamps=true` into its time and its message. A payload without a
 * parsable time is returned whole, with no time.
 * @category parsing
 */
export const splitTimestamp = (
  payload: Uint8Array
): { readonly nanos?: bigint; readonly message: Uint8Array } => {
  const end = payload.indexOf(space)
  if (end <= 0 || end > 40) return { message: payload }
  const nanos = parseTimestampNanos(new TextDecoder().decode(payload.subarray(0, end)))
  return nanos === undefined ? { message: payload } : { nanos, message: payload.subarray(end + 1) }
}
