/**
 * The decoded node list the store keeps between writes (it is read per submit, per placement
 * round and per heartbeat). A write that changes what a node is (register, offline) drops it; a
 * heartbeat only patches one node's usage and times. A read that was under way while the list
 * was dropped is not kept; one that was under way during heartbeats is kept with those
 * heartbeats applied, in order — with hundreds of runners a heartbeat lands during almost every
 * read, so discarding those reads meant decoding every node on every call.
 *
 * @since 0.1.0
 */

/** A change of one entry, applied again to a read that may have missed it (so it must be idempotent). */
type Patch<A> = (entry: A) => A

/** Where a read started. @category models */
export interface ReadStart {
  readonly generation: number
  readonly patches: number
}

/** @category models */
export class NodeListCache<A> {
  #kept: ReadonlyArray<A> | undefined
  #generation = 0
  #patches = 0
  /** The heartbeats since the list was dropped, numbered; a read applies those after its start. */
  #log: Array<{ readonly n: number; readonly name: string; readonly patch: Patch<A> }> = []

  constructor(private readonly nameOf: (entry: A) => string) {}

  /** The kept list, if any. */
  get kept(): ReadonlyArray<A> | undefined {
    return this.#kept
  }

  /** A write changed the nodes: the list must be read again. */
  drop(): void {
    this.#generation++
    this.#kept = undefined
    this.#log = []
  }

  /** A heartbeat changed one node (already written to the database). */
  patch(name: string, patch: Patch<A>): void {
    this.#patches++
    if (this.#kept !== undefined) this.#kept = this.#apply(this.#kept, name, patch)
    else this.#log.push({ n: this.#patches, name, patch })
  }

  /** Call before reading the table. */
  begin(): ReadStart {
    return { generation: this.#generation, patches: this.#patches }
  }

  /** The rows a read got, brought up to date and kept when no write dropped the list meanwhile. */
  landed(start: ReadStart, read: ReadonlyArray<A>): ReadonlyArray<A> {
    if (start.generation !== this.#generation) return read
    if (this.#kept !== undefined) return this.#kept
    let nodes = read
    for (const entry of this.#log) {
      if (entry.n > start.patches) nodes = this.#apply(nodes, entry.name, entry.patch)
    }
    this.#kept = nodes
    this.#log = []
    return nodes
  }

  #apply(nodes: ReadonlyArray<A>, name: string, patch: Patch<A>): ReadonlyArray<A> {
    return nodes.map((n) => (this.nameOf(n) === name ? patch(n) : n))
  }
}
