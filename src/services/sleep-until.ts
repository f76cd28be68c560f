/**
 * Waits `ms`, or less when `signal` aborts: then it resolves at once rather than rejecting, since for a loop that
 * sleeps between rounds (the watch loop, the alerts' delivery loop) a stop is the normal way out, not an error. The
 * gateways' own sleep (gateways/http-sleep.ts) rejects instead: there an abort cancels a call.
 */
export function sleepUntil(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, {once: true})
  })
}
