/**
 * The decoded node list the store keeps between writes (it is read per submit, per placement
 * round and per heartbeat). A write that changes what a node is (register, offline) drops it; a
 * heartbeat only patches one node's usage and times. A read that was under way while the list
 * was dropped is not kept; one that was under way during heartbeats is kept with those
 * heartbeats applied, in order — with hundreds of runners a heartbeat lands during almost every
 * read, so discarding those reads meant decoding every node on every call.
 *
 * The kept list is never changed in place (a reader may hold it across a yield): a heartbeat
 * copies it and replaces one entry, found through an index by name, so a heartbeat costs one
 * array copy rather than a scan and a call per node.
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
  /** Where each name is in the kept list. */
  #index = new Map<string, number>()
  #generation = 0
  #patches = 0
  /** The heartbeats since the list was dropped, numbered; a read applies those after its start. */
  #log: Array<{ readonly n: number; readonly name: string; readonly patch: Patch<A> }> = []

  constructor(private readonly nameOf: (entry: A) => string) {}

  /** The kept list, if any. */
  get kept(): ReadonlyArray<A> | undefined {
    return this.#kept
  }

  /** The kept entry named `name`; undefined when there is none or no list is kept. */
  find(name: string): A | undefined {
    const at = this.#index.get(name)
    return at === undefined ? undefined : this.#kept?.[at]
  }

  /** A write changed the nodes: the list must be read again. */
  drop(): void {
    this.#generation++
    this.#keep(undefined)
    this.#log = []
  }

  /** A heartbeat changed one node (already written to the database). */
  patch(name: string, patch: Patch<A>): void {
    this.#patches++
    const kept = this.#kept
    if (kept === undefined) {
      this.#log.push({ n: this.#patches, name, patch })
      return
    }
    const at = this.#index.get(name)
    if (at === undefined) return
    const next = kept.slice()
    next[at] = patch(kept[at]!)
    this.#kept = next
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
    this.#keep(nodes)
    this.#log = []
    return nodes
  }

  #keep(nodes: ReadonlyArray<A> | undefined): void {
    this.#kept = nodes
    this.#index = new Map(nodes?.map((n, i) => [this.nameOf(n), i] as const))
  }

  #apply(nodes: ReadonlyArray<A>, name: string, patch: Patch<A>): ReadonlyArray<A> {
    return nodes.map((n) => (this.nameOf(n) === name ? patch(n) : n))
  }
}
