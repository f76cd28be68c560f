import type {AppContext} from '../../app/context.js'
import {
  DEFAULT_NETWORK_RULES,
  formatNetworkRule,
  NETWORK_RULE_SETTINGS,
  networkRulesFrom,
  networkRuleSetting,
  parseNetworkRule,
} from '../../core/retry/network-rules.js'
import {dual} from '../../store/ops/dual.js'
import {type Ops, write} from '../../store/ops/op.js'
import {deleteNetworkSetting, listNetworkSettings, putNetworkSetting} from '../../store/repos/retry-rules.js'
import {appendAudit} from '../audit.js'

/**
 * `retry caps`: the card-network rules enforced per card on top of every decision, each with its documented default
 * (docs/gateways.md#card-network-caps). A setting left at its default has no row, so it follows the default.
 */
export interface CapView {
  name: string
  value: string
  default: string
  description: string
  /** Who set it and when; null while it is the default. */
  set: {by: string; at: string} | null
}

export const listNetworkRules = dual(function* listNetworkRules(): Ops<CapView[]> {
  const stored = yield* listNetworkSettings.ops()
  const rules = networkRulesFrom(new Map(stored.map((s) => [s.name, s.value])))
  return NETWORK_RULE_SETTINGS.map(({name, description}) => {
    const row = stored.find((s) => s.name === name)
    return {
      name,
      value: formatNetworkRule(rules, name),
      default: formatNetworkRule(DEFAULT_NETWORK_RULES, name),
      description,
      set: row ? {by: row.updatedBy, at: row.updatedAt} : null,
    }
  })
})

export interface CapChange {
  name: string
  value: string
  previous: string
  changed: boolean
}

/** Sets one rule (audited); `default` returns it to the documented default. */
export const setNetworkRule = dual(function* setNetworkRule(
  ctx: AppContext,
  name: string,
  text: string,
): Ops<CapChange> {
  networkRuleSetting(name)
  const toDefault = text.trim() === 'default'
  const value = toDefault ? null : parseNetworkRule(name, text)
  return yield* write(
    (function* () {
      const before = (yield* listNetworkRules.ops()).find((c) => c.name === name)!
      const formatted =
        value === null ? before.default : formatNetworkRule({...DEFAULT_NETWORK_RULES, ...keyed(name, value)}, name)
      if (value === null) yield* deleteNetworkSetting.ops(name)
      else yield* putNetworkSetting.ops({name, value: formatted, updatedBy: ctx.actor})
      const changed = formatted !== before.value || (value === null) !== (before.set === null)
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: 'retry.network_rule',
        subject: name,
        outcome: changed ? 'ok' : 'unchanged',
        details: {name, value: formatted, previous: before.value, default: value === null},
      })
      return {name, value: formatted, previous: before.value, changed}
    })(),
  )
})

function keyed(name: string, value: unknown): Record<string, unknown> {
  return {[networkRuleSetting(name).key]: value}
}
