/**
 * Hash routing (`#/tasks/123`): the host serves one page at `/`, so no dashboard path can clash
 * with an API route.
 */
import { Store } from "./store.js"

/** The current route: the hash path split into segments, and its query. */
export interface Route {
  readonly path: ReadonlyArray<string>
  readonly query: URLSearchParams
}

const read = (): Route => {
  const hash = location.hash.replace(/^#\/?/, "")
  const [path = "", search = ""] = hash.split("?", 2)
  return {
    path: path
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent),
    query: new URLSearchParams(search)
  }
}

/** The route as a store. */
export const route = new Store<Route>(read())
window.addEventListener("hashchange", () => route.set(read()))

/** Goes to `#/path`. */
export const navigate = (path: string): void => {
  location.hash = `#${path.startsWith("/") ? path : `/${path}`}`
}

/** The href of a route. */
export const href = (path: string): string => `#${path.startsWith("/") ? path : `/${path}`}`
