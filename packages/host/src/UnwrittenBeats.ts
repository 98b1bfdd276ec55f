/**
 * Heartbeats the store has taken but not written yet. A heartbeat of a node that is online
 * changes only its usage and the time of its last beat; with hundreds of runners, one `UPDATE`
 * and one commit each was a steady stream of small writes. The store keeps the newest beat per
 * node here and writes them together once a second (and when it closes); whatever reads the
 * nodes sees them applied, so nothing but the file lags, by at most that second.
 *
 * @since 0.1.0
 */
import type { NodeUsage } from "@hakuriver/sdk"

/** One node's newest beat. @category models */
export interface Beat {
  readonly usage: NodeUsage
  readonly at: string
}

/** What a beat changes of a node as the store reads it. */
interface Beaten {
  readonly info: { readonly name: string }
  readonly usage: NodeUsage | null
  readonly lastHeartbeatAt: string | null
}

/** @category models */
export class UnwrittenBeats {
  readonly #beats = new Map<string, Beat>()

  /** Keeps a node's newest beat until it is written. */
  note(name: string, beat: Beat): void {
    this.#beats.set(name, beat)
  }

  /** Drops a node's beat: it was written otherwise, or the node went offline. */
  forget(name: string): void {
    this.#beats.delete(name)
  }

  /** The node's beat not written yet, if any. */
  get(name: string): Beat | undefined {
    return this.#beats.get(name)
  }

  /** The beats to write now. */
  pending(): ReadonlyArray<readonly [string, Beat]> {
    return [...this.#beats]
  }

  /** After a write of `beats`: drops those that no newer beat replaced meanwhile. */
  written(beats: ReadonlyArray<readonly [string, Beat]>): void {
    for (const [name, beat] of beats) if (this.#beats.get(name) === beat) this.#beats.delete(name)
  }

  /** A node as read from the table, with its beat not written yet applied. */
  applyTo<A extends Beaten>(node: A): A {
    const beat = this.#beats.get(node.info.name)
    return beat === undefined ? node : { ...node, usage: beat.usage, lastHeartbeatAt: beat.at }
  }

  /** Nodes as read from the table, with the beats not written yet applied. */
  overlay<A extends Beaten>(nodes: ReadonlyArray<A>): ReadonlyArray<A> {
    return this.#beats.size === 0 ? nodes : nodes.map((node) => this.applyTo(node))
  }
}
