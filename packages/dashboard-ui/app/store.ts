/** A tiny observable value and its Preact hook: the dashboard's only state mechanism. */
import { useEffect, useState } from "preact/hooks"

/** A value that notifies its subscribers when it changes. */
export class Store<A> {
  private value: A
  private readonly listeners = new Set<(value: A) => void>()
  constructor(initial: A) {
    this.value = initial
  }
  get(): A {
    return this.value
  }
  set(value: A): void {
    this.value = value
    for (const listener of this.listeners) listener(value)
  }
  update(f: (value: A) => A): void {
    this.set(f(this.value))
  }
  subscribe(listener: (value: A) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }
}

/** The current value of a store; re-renders the component when it changes. */
export const useStore = <A>(store: Store<A>): A => {
  const [value, setValue] = useState(store.get())
  useEffect(() => {
    setValue(store.get())
    return store.subscribe(setValue)
  }, [store])
  return value
}
