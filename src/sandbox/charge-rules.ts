import {z} from 'zod'

import type {GatewayKind} from '../gateways/registry.js'
import {UsageError} from '../core/errors.js'
import type {Money} from '../core/transaction.js'
import {DECLINE_REASONS, type DeclineReason} from './model.js'

/**
 * Scripted charge outcomes, so tests (and `sandbox serve --charge-rules FILE`) can say what each new charge a
 * gateway's emulator receives does: a payment method that soft-declines its first N attempts, one that always
 * hard-declines, a gateway that processes a charge and then loses the answer. Without a matching rule an emulator
 * behaves as it always has. Gateway-neutral: each emulator renders a step in its own wire format (its code for the
 * decline reason, the card's brand, the network's codes).
 */
const DELIVERIES = ['answer', 'timeout', 'reset', '500'] as const
/**
 * How the answer to a processed charge reaches the client: `answer`; or the gateway processed it (the charge exists,
 * an idempotency key remembers it) and then `timeout` (the answer never comes), `reset` (the connection is reset) or
 * `500` (a server error comes instead; Stripe stores that 500 under the key, as it stores every response once
 * execution began).
 */
export type Delivery = (typeof DELIVERIES)[number]

const CARD_BRANDS = ['visa', 'mastercard', 'amex', 'discover'] as const
export type CardBrand = (typeof CARD_BRANDS)[number]

const StepSchema = z.strictObject({
  outcome: z.enum(['approve', ...DECLINE_REASONS]),
  /** The issuer's raw response code the network returned with a decline (05, 51, 41, R1, …). */
  networkCode: z
    .string()
    .regex(/^[0-9A-Z]{2}$/)
    .optional(),
  /** Mastercard's merchant advice code returned with a decline (02, 03, 21, 24, …). */
  networkAdvice: z
    .string()
    .regex(/^\d{2}$/)
    .optional(),
  delivery: z.enum(DELIVERIES).optional(),
})
export type ChargeStep = z.infer<typeof StepSchema>

const RuleSchema = z.strictObject({
  /** Only charges at this gateway (default: any). */
  gateway: z.string().optional(),
  /** Only charges of this payment method, as the gateway knows it (a customer's paymentMethods[kind]). */
  paymentMethod: z.string().min(1).optional(),
  /** Only charges of this YMS customer's stored methods. */
  customer: z.string().min(1).optional(),
  /** The card's brand the gateway reports on these charges (default visa). */
  brand: z.enum(CARD_BRANDS).optional(),
  /** One step per new charge (an idempotent replay is none); the last step repeats for good. */
  steps: z.array(StepSchema).min(1),
})
export type ChargeRule = z.infer<typeof RuleSchema>

/** A charge as an emulator is about to make it. */
export interface ChargeRequest {
  paymentMethod: string
  /** The YMS customer the payment method belongs to, when the emulator knows. */
  customer: string | null
}

/** What the script says for one charge: the step, the card's brand, and which attempt of the rule it is (1-based). */
export interface ScriptedCharge {
  step: ChargeStep
  brand: CardBrand
  attempt: number
}

export interface ScriptedAttempt extends ScriptedCharge {
  gateway: GatewayKind
  paymentMethod: string
  customer: string | null
}

/** A charge an emulator made through its payment API: a new one (an idempotent replay makes none), however decided. */
export interface ChargeRecord {
  gateway: GatewayKind
  /** The gateway's id for it (charge, PSP reference, capture, payment, transaction), when it gave one. */
  externalId: string | null
  paymentMethod: string
  customer: string | null
  amount: Money
  approved: boolean
  /** The caller's reference the gateway keeps (invoice metadata, merchant reference, order id, reference_id). */
  reference: string | null
  at: string
}

/**
 * Scripts what new charges do, and keeps the emulators' own record of every charge they made through their payment
 * APIs: what a test compares a ledger with ("at most one successful charge per failed payment").
 */
export class ChargeScript {
  private readonly used = new Map<string, number>()
  private readonly log: ScriptedAttempt[] = []
  private readonly made: ChargeRecord[] = []

  constructor(private readonly rules: readonly ChargeRule[]) {}

  /**
   * The step for the next new charge at `gateway`, or null when no rule matches (the emulator's own behaviour). The
   * first matching rule wins; its steps are counted per gateway, so a customer-wide rule scripts a fallback gateway's
   * attempts apart from the primary's.
   */
  next(gateway: GatewayKind, charge: ChargeRequest): ScriptedCharge | null {
    const index = this.rules.findIndex(
      (r) =>
        (r.gateway === undefined || r.gateway === gateway) &&
        (r.paymentMethod === undefined || r.paymentMethod === charge.paymentMethod) &&
        (r.customer === undefined || r.customer === charge.customer),
    )
    const rule = this.rules[index]
    if (!rule) return null
    const counter = `${index}:${gateway}`
    const attempt = (this.used.get(counter) ?? 0) + 1
    this.used.set(counter, attempt)
    const step = rule.steps[Math.min(attempt, rule.steps.length) - 1]!
    const scripted: ScriptedCharge = {step, brand: rule.brand ?? 'visa', attempt}
    this.log.push({...scripted, gateway, ...charge})
    return scripted
  }

  /** Every scripted charge so far, in order. */
  attempts(): readonly ScriptedAttempt[] {
    return this.log
  }

  record(charge: ChargeRecord): void {
    this.made.push(charge)
  }

  /** Every charge the emulators made, scripted or not, in order. */
  charges(): readonly ChargeRecord[] {
    return this.made
  }
}

/** The decline reason of a step, or null when it approves. */
export function declineOf(step: ChargeStep): DeclineReason | null {
  return step.outcome === 'approve' ? null : step.outcome
}

/** Common scripts. */
export const steps = {
  /** Declines `n` times with a soft reason, then approves. */
  softDeclinesFirst: (n: number, reason: DeclineReason = 'insufficient_funds'): ChargeStep[] => [
    ...Array.from({length: n}, () => ({outcome: reason})),
    {outcome: 'approve'},
  ],
  /** Always declines, hard. */
  hardDeclines: (reason: DeclineReason = 'stolen_card'): ChargeStep[] => [{outcome: reason}],
  /** Processes the charge, then loses the answer (`delivery`); the next charges are answered normally. */
  lostAfterProcessing: (
    delivery: Exclude<Delivery, 'answer'>,
    outcome: ChargeStep['outcome'] = 'approve',
  ): ChargeStep[] => [{outcome, delivery}, {outcome}],
}

/** A rules file (`sandbox serve --charge-rules FILE`): a JSON array of rules. */
export function parseChargeRules(text: string, source: string): ChargeRule[] {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${source}: not JSON (${(error as Error).message})`)
  }
  const parsed = z.array(RuleSchema).safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new UsageError(
      `${source}: ${issue ? `${issue.path.join('.') || 'the file'}: ${issue.message}` : 'not a list of charge rules'}`,
      'expected [{"paymentMethod": "...", "brand": "mastercard", "steps": [{"outcome": "insufficient_funds"}, {"outcome": "approve"}]}]',
    )
  }
  return parsed.data
}
