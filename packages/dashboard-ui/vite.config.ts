/**
 * Vite build of the dashboard. The output goes into the host package's `dist/dashboard`, so it
 * ships inside @hakuriver/host and the host serves it at `/`.
 */
import { fileURLToPath } from "node:url"
import { defineConfig } from "vite"

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  root: here("."),
  base: "./",
  logLevel: "warn",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: here("../host/dist/dashboard"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 600
  }
})
