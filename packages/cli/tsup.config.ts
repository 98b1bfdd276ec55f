import { defineConfig } from "tsup"

/**
 * The CLI is one bundle (with chunks for what `up`, `host` and `runner` load on demand): Effect,
 * the platform packages and our own are bundled and tree-shaken, so a command loads a few files
 * instead of some 1,100 modules (`hakuriver --help`: 0.9 s → 0.4 s here, and less memory). Only
 * packages with native parts stay outside and are installed as dependencies.
 */
const external = ["better-sqlite3", "dockerode"]

export default defineConfig({
  entry: { hakuriver: "src/bin/hakuriver.ts", hakurun: "src/bin/hakurun.ts" },
  format: ["esm"],
  clean: true,
  sourcemap: true,
  // without comments and layout each chunk's source is smaller, and ASCII only: V8 keeps a
  // loaded script's source in memory, two bytes a character once one character is not ASCII
  // (undici's chunk took 2.2 MB so); about 2 MB less in an idle host and runner. Names are kept;
  // `NODE_OPTIONS=--enable-source-maps` maps stack traces to the sources.
  minifyWhitespace: true,
  esbuildOptions: (options) => {
    // the licence notices go to `<chunk>.LEGAL.txt` beside each chunk
    options.legalComments = "external"
  },
  target: "node20",
  splitting: true,
  // tsup's noExternal wins over external: the pattern itself has to leave these out
  noExternal: [new RegExp(`^(?!(${external.join("|")})$).*`)],
  external,
  banner: {
    // bundled CommonJS dependencies call require(); an ES module has none of its own
    js: [
      "#!/usr/bin/env node",
      'import { createRequire as __hakuriverRequire } from "node:module";',
      "const require = __hakuriverRequire(import.meta.url);"
    ].join("\n")
  }
})
