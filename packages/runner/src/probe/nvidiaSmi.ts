/**
 * The output of `nvidia-smi --query-gpu=index,name,uuid,memory.total,memory.used,
 * utilization.gpu,temperature.gpu,power.draw --format=csv,noheader,nounits`.
 *
 * @since 0.1.0
 */
import { GpuInfo } from "@hakuriver/sdk"

/**
 * The arguments of the query, in the order {@link parseNvidiaSmi} reads the columns.
 * @category constants
 */
export const nvidiaSmiArgs: ReadonlyArray<string> = [
  "--query-gpu=index,name,uuid,memory.total,memory.used,utilization.gpu,temperature.gpu,power.draw",
  "--format=csv,noheader,nounits"
]

/** A number, or `undefined` for `[N/A]`, `[Not Supported]`, `N/A` and the like. */
const optionalNumber = (field: string | undefined): number | undefined => {
  if (field === undefined) return undefined
  const text = field.trim()
  if (text === "" || text.startsWith("[") || /^n\/?a$/i.test(text)) return undefined
  const n = Number(text)
  return Number.isFinite(n) ? n : undefined
}

/**
 * Parses the CSV lines into GPUs. Lines that do not carry an index, a name and a uuid are skipped
 * (nvidia-smi prints an error line instead of CSV when the driver is not loaded).
 * @category parsing
 */
export const parseNvidiaSmi = (text: string): ReadonlyArray<GpuInfo> => {
  const gpus: Array<GpuInfo> = []
  for (const line of text.split("\n")) {
    const fields = line.split(",").map((f) => f.trim())
    if (fields.length < 8) continue
    // A name with a comma would add fields: anchor index at the front and the rest at the end.
    const index = optionalNumber(fields[0])
    const uuid = fields[fields.length - 6] ?? ""
    const name = fields.slice(1, fields.length - 6).join(", ")
    if (index === undefined || !Number.isInteger(index) || index < 0 || name === "" || uuid === "") continue
    const [memoryTotalMiB, memoryUsedMiB, utilizationPercent, temperatureC, powerDrawW] = fields
      .slice(-5)
      .map(optionalNumber)
    gpus.push(
      new GpuInfo({
        index,
        name,
        uuid,
        ...(memoryTotalMiB === undefined ? {} : { memoryTotalMiB }),
        ...(memoryUsedMiB === undefined ? {} : { memoryUsedMiB }),
        ...(utilizationPercent === undefined ? {} : { utilizationPercent }),
        ...(temperatureC === undefined ? {} : { temperatureC }),
        ...(powerDrawW === undefined ? {} : { powerDrawW })
      })
    )
  }
  return gpus
}
