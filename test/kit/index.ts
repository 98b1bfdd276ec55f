/** The shared test kit: tasks, scoped temp dirs and test-node dirs for every package's tests, fixtures and benches. */
export { nodeDirs } from "./nodeDirs.js"
export { type MakeTaskOptions, makeTask, uniqueDigits } from "./task.js"
export { pidAlive } from "./processes.js"
export { scopedTempDir } from "./tempDir.js"
