/** Vite's ambient types (CSS imports, import.meta.env) for the dashboard sources. */
/// <reference types="vite/client" />
