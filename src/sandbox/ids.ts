import type {Rng} from './prng.js'

/**
 * How each gateway's emulator draws the ids a customer has there (sandbox/<kind>/ids.ts): the customer's id
 * and a stored payment method, in the gateway's own shapes, from the world's seeded generator.
 */
export interface IdDraw {
  rng: Rng
  /** 0-based position of the customer in the world. */
  index: number
  /** The YMS customer id. */
  customerId: string
  /** Draws until `make` returns a value no other customer has (short ids collide). */
  unique(make: () => string): string
}

export interface SandboxIds {
  customer(draw: IdDraw): string
  paymentMethod(draw: IdDraw): string
}

export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
export const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
export const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789'
export const DIGITS = '0123456789'
