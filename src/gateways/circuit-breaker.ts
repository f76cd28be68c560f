import type {Clock} from '../core/clock.js'

/**
 * One breaker per provider client (Nygard, "Release It!"). Closed: requests flow and consecutive failed
 * requests are counted. Open: requests fail fast without touching the network until the cool-down has passed.
 * Half-open: exactly one probe is let through; its success closes the breaker, its failure re-opens it.
 *
 * Results are reported through the permit a request was given, so an outcome that arrives after the breaker
 * has moved on (a slow request started while closed finishing after it opened) cannot flip the state.
 */
export type CircuitState = 'closed' | 'open' | 'half_open'

const DEFAULT_FAILURE_THRESHOLD = 5
const DEFAULT_COOL_DOWN_MS = 30_000

export interface CircuitBreakerOptions {
  clock: Clock
  /** Consecutive failed requests that open the breaker. */
  failureThreshold?: number
  coolDownMs?: number
}

export interface CircuitSnapshot {
  state: CircuitState
  consecutiveFailures: number
  /** When the breaker last opened (epoch ms), null if it never has or has since closed. */
  openedAt: number | null
  /** When an open breaker lets its next probe through (epoch ms); null unless open. */
  retryAtMs: number | null
}

export interface CircuitPermit {
  readonly probe: boolean
  success(): void
  failure(): void
  /** Neither success nor failure (the caller cancelled): a probe slot is handed back. */
  cancel(): void
}

export type CircuitAdmission = {admitted: true; permit: CircuitPermit} | {admitted: false; retryAtMs: number}

export class CircuitBreaker {
  readonly #clock: Clock
  readonly #threshold: number
  readonly #coolDownMs: number
  #state: 'closed' | 'open' | 'half_open' = 'closed'
  #failures = 0
  #openedAt: number | null = null
  #probeInFlight = false
  /** Bumped on every transition; permits from an older generation are ignored. */
  #generation = 0

  constructor(opts: CircuitBreakerOptions) {
    this.#clock = opts.clock
    this.#threshold = opts.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD
    this.#coolDownMs = opts.coolDownMs ?? DEFAULT_COOL_DOWN_MS
    if (!Number.isInteger(this.#threshold) || this.#threshold < 1)
      throw new RangeError('failureThreshold must be a positive integer')
    if (!(this.#coolDownMs >= 0)) throw new RangeError('coolDownMs must be >= 0')
  }

  state(): CircuitState {
    this.#advance()
    return this.#state
  }

  snapshot(): CircuitSnapshot {
    const state = this.state()
    return {
      state,
      consecutiveFailures: this.#failures,
      openedAt: this.#openedAt,
      retryAtMs: state === 'open' && this.#openedAt !== null ? this.#openedAt + this.#coolDownMs : null,
    }
  }

  admit(): CircuitAdmission {
    this.#advance()
    if (this.#state === 'closed') return {admitted: true, permit: this.#permit(false)}
    if (this.#state === 'half_open' && !this.#probeInFlight) {
      this.#probeInFlight = true
      return {admitted: true, permit: this.#permit(true)}
    }
    // Open, or half-open with its probe still out: the next chance is after the (current) cool-down.
    const retryAtMs =
      this.#state === 'open' && this.#openedAt !== null ? this.#openedAt + this.#coolDownMs : this.#clock.now()
    return {admitted: false, retryAtMs}
  }

  #advance(): void {
    if (this.#state === 'open' && this.#openedAt !== null && this.#clock.now() >= this.#openedAt + this.#coolDownMs) {
      this.#transition('half_open')
    }
  }

  #transition(to: CircuitState): void {
    this.#state = to
    this.#generation++
    this.#probeInFlight = false
    if (to === 'open') this.#openedAt = this.#clock.now()
    if (to === 'closed') {
      this.#failures = 0
      this.#openedAt = null
    }
  }

  #permit(probe: boolean): CircuitPermit {
    const generation = this.#generation
    let settled = false
    const settle = (fn: () => void) => () => {
      if (settled) return
      settled = true
      if (generation !== this.#generation) return
      fn()
    }
    return {
      probe,
      success: settle(() => {
        if (probe) this.#transition('closed')
        else this.#failures = 0
      }),
      failure: settle(() => {
        this.#failures++
        if (probe || this.#failures >= this.#threshold) this.#transition('open')
      }),
      cancel: settle(() => {
        if (probe) this.#probeInFlight = false
      }),
    }
  }
}
