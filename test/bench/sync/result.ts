/** What every sync worker prints as its last stdout line: the parent parses it. */
export interface WorkerResult {
  /** Objects written (yms-pay: every item fetched — charges, refunds, disputes). */
  items: number
  /** Charges written, and the time until the last of them committed (like-for-like with the charge-only scripts). */
  charges: number
  chargesMs: number
  ms: number
  pages: number
  /** Peak resident set of the worker process (process.resourceUsage().maxRSS). */
  maxRssMb: number
  /** CPU time of the whole worker process, every thread, start-up included (process.cpuUsage()). */
  cpuMs: number
  detail?: Record<string, unknown>
}

export function finish(r: Omit<WorkerResult, 'maxRssMb' | 'cpuMs'>): void {
  const maxRssMb = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10
  const cpu = process.cpuUsage()
  process.stdout.write(`\n${JSON.stringify({...r, maxRssMb, cpuMs: Math.round((cpu.user + cpu.system) / 1000)})}\n`)
}

export function envOrThrow(name: string): string {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}
