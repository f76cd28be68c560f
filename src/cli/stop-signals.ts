import type {SyncSignals} from '../services/sync/run-provider.js'

/**
 * First Ctrl-C or SIGTERM: finish the page in flight, commit, exit cleanly. Second: abort the request in flight
 * (nothing half-written either way: every page commits atomically).
 */
export function installStopSignals(note: (m: string) => void): SyncSignals & {dispose(): void} {
  const stop = new AbortController()
  const abort = new AbortController()
  const onSignal = (name: string) => {
    if (!stop.signal.aborted) {
      note(`${name}: finishing the page in flight, then stopping (again to abort now)`)
      stop.abort()
    } else {
      abort.abort()
    }
  }
  const int = () => onSignal('SIGINT')
  const term = () => onSignal('SIGTERM')
  process.on('SIGINT', int)
  process.on('SIGTERM', term)
  return {
    stop: stop.signal,
    abort: abort.signal,
    dispose() {
      process.off('SIGINT', int)
      process.off('SIGTERM', term)
    },
  }
}
