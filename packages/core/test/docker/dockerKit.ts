/**
 * Test helpers for tests against the real Docker engine: whether it answers (tests fail in CI
 * when it does not, and are skipped elsewhere), unique env images made from the busybox test
 * image, and tasks.
 */
import { spawnSync } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe } from "@effect/vitest"
import Docker from "dockerode"
import { Effect } from "effect"
import { type EnvName, imageTag, type Task } from "../../src/domain/index.js"
import { makeTask as makeKitTask, uniqueDigits } from "../../../../test/kit/index.js"

/** A unique id: digits only (task ids) and short enough for env names. */
export { uniqueDigits }

/** The busybox image that scripts/test-env.sh builds. */
export const busyboxImage = "hakuriver-test/busybox:latest"

export const docker = new Docker()

const ci = process.env["CI"] === "true"

const answers = await docker.ping().then(
  () => true,
  () => false
)

/**
 * `describe` for suites that need Docker: they run when the engine answers or when CI=true (and
 * then fail if it does not); elsewhere they are skipped when Docker is absent.
 */
export const describeDocker = (name: string, suite: () => void): void => {
  if (answers || ci) describe(name, suite)
  else describe.skip(name, suite)
}

/** Whether the engine answered when the test file loaded. */
export const dockerAnswers = answers

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url))

/** Builds the busybox test image when its tag is missing (normally test-env.sh already did). */
export const ensureBusybox = async (): Promise<void> => {
  const present = await docker
    .getImage(busyboxImage)
    .inspect()
    .then(
      () => true,
      () => false
    )
  if (present) return
  const r = spawnSync("bash", [path.join(repoRoot, "scripts/images/busybox.sh"), busyboxImage], {
    encoding: "utf8"
  })
  if (r.status !== 0) throw new Error(`cannot build ${busyboxImage}: ${r.stderr}`)
}

/** A unique env name for one test. */
export const uniqueEnv = (prefix: string): EnvName => `t-${prefix}-${uniqueDigits()}` as EnvName

/**
 * Makes a unique image (busybox plus a marker file holding `marker`) and tags it `ref`;
 * returns its id.
 */
export const makeImage = async (ref: string, marker: string): Promise<string> => {
  await ensureBusybox()
  const c = await docker.createContainer({
    Image: busyboxImage,
    Cmd: ["sh", "-c", `echo ${marker} > /marker`],
    Labels: { "hakuriver.test": "image-builder" }
  })
  try {
    await c.start()
    await c.wait()
    const [repo = "", tag = "latest"] = ref.split(":")
    const committed = (await c.commit({ repo, tag })) as { Id: string }
    return committed.Id
  } finally {
    await c.remove({ force: true }).catch(() => undefined)
  }
}

/** Makes a unique `hakuriver/ENV:base` image; returns its id. */
export const makeEnvImage = (env: EnvName): Promise<string> => makeImage(imageTag(env), env)

/** Removes every tag of `hakuriver/ENV` (and so the images, when unused). */
export const removeEnvImages = async (env: EnvName): Promise<void> => {
  const images = await docker.listImages({ filters: { reference: [`hakuriver/${env}`] } })
  for (const image of images) {
    for (const tag of image.RepoTags ?? []) {
      if (tag.startsWith(`hakuriver/${env}:`))
        await docker
          .getImage(tag)
          .remove({ force: true })
          .catch(() => undefined)
    }
  }
  // Test images left without a tag (their tag moved on) go too, once no container uses them.
  const dangling = await docker.listImages({
    filters: { dangling: ["true"], label: ["hakuriver.test=image-builder"] }
  })
  for (const image of dangling)
    await docker
      .getImage(image.Id)
      .remove()
      .catch(() => undefined)
}

/** Counts `load` events of image `id` between two times (unix seconds). */
export const loadEvents = async (id: string, since: number, until: number): Promise<number> => {
  const stream = await docker.getEvents({
    since,
    until,
    filters: { type: ["image"], event: ["load"] }
  })
  const text = await new Promise<string>((resolve, reject) => {
    let acc = ""
    stream.on("data", (chunk: Buffer) => {
      acc += chunk.toString()
    })
    stream.on("end", () => resolve(acc))
    stream.on("error", reject)
  })
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { id?: string })
    .filter((e) => e.id === id).length
}

/** A unique env image for the current suite: made before its tests, removed after them. */
export const suiteEnvImage = (prefix: string): EnvName => {
  const env = uniqueEnv(prefix)
  beforeAll(async () => {
    await makeEnvImage(env)
  })
  afterAll(async () => {
    await removeEnvImages(env)
  })
  return env
}

/** A task in `env` with `command`. */
export const makeTask = (
  command: ReadonlyArray<string>,
  extra: Partial<Record<string, unknown>> = {}
): Task => makeKitTask(command, { container: "hakuriver-base", ...extra })

/** Inspects a container by id, or `undefined` when it is gone. */
export const inspectContainer = (id: string) =>
  Effect.promise(() =>
    docker
      .getContainer(id)
      .inspect()
      .then(
        (info) => info,
        () => undefined
      )
  )
