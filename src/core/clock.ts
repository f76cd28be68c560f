/** Time, injected everywhere it is read, so schedules and tolerances are tested without sleeping. */
export interface Clock {
  now(): number // epoch ms
}
