import type {Decision} from '../../core/transaction.js'
import {overrideKey, type RetryRules} from '../../core/retry/classification.js'
import {networkRulesFrom} from '../../core/retry/network-rules.js'
import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, now as clock, type Ops, run} from '../ops/op.js'

/**
 * What admins decided about retry decisions (migration 005): per-code overrides of the adapters' tables and the
 * card-network settings that differ from the defaults. readRetryRules is what the retry engine passes to
 * decideRetry; it reads inside the caller's transaction, so a decision and the rules it used are one snapshot.
 */
export interface CodeOverride {
  kind: string
  code: string
  decision: Decision
  note: string | null
  updatedAt: string
  updatedBy: string
}

export interface NetworkSetting {
  name: string
  value: string
  updatedAt: string
  updatedBy: string
}

export const readRetryRules = dual(function* readRetryRules(): Ops<RetryRules> {
  const overrides = new Map((yield* listOverrides.ops()).map((o) => [overrideKey(o.kind, o.code), o.decision]))
  const settings = new Map((yield* listNetworkSettings.ops()).map((s) => [s.name, s.value]))
  return {overrides, network: networkRulesFrom(settings)}
})

export const listOverrides = dual(function* listOverrides(filter: {kind?: string} = {}) {
  const rows = yield* all<{
    kind: string
    code: string
    decision: Decision
    note: string | null
    updated_at: string
    updated_by: string
  }>(OVERRIDES, {kind: filter.kind ?? null})
  return rows.map((r): CodeOverride => ({
    kind: r.kind,
    code: r.code,
    decision: r.decision,
    note: r.note,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  }))
})

const OVERRIDES = bothWays(
  (w) => `SELECT kind, code, decision, note, updated_at, updated_by FROM retry_code_overrides
       WHERE (${w.unset('@kind')} OR kind = @kind) ORDER BY kind, code`,
)

export const getOverride = dual(function* getOverride(kind: string, code: string) {
  return (yield* listOverrides.ops({kind})).find((o) => o.code === code) ?? null
})

export const putOverride = dual(function* putOverride(o: Omit<CodeOverride, 'updatedAt'>, now?: string) {
  yield* run(
    `INSERT INTO retry_code_overrides (kind, code, decision, note, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (kind, code) DO UPDATE SET decision = excluded.decision, note = excluded.note,
       updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    [o.kind, o.code, o.decision, o.note, now ?? (yield* clock()), o.updatedBy],
  )
})

export const deleteOverride = dual(function* deleteOverride(kind: string, code: string) {
  return (yield* run('DELETE FROM retry_code_overrides WHERE kind = ? AND code = ?', [kind, code])).changes > 0
})

export const listNetworkSettings = dual(function* listNetworkSettings() {
  const rows = yield* all<{name: string; value: string; updated_at: string; updated_by: string}>(
    'SELECT name, value, updated_at, updated_by FROM retry_network_settings ORDER BY name',
  )
  return rows.map((r): NetworkSetting => ({
    name: r.name,
    value: r.value,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  }))
})

export const putNetworkSetting = dual(function* putNetworkSetting(s: Omit<NetworkSetting, 'updatedAt'>, now?: string) {
  yield* run(
    `INSERT INTO retry_network_settings (name, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
       updated_by = excluded.updated_by`,
    [s.name, s.value, now ?? (yield* clock()), s.updatedBy],
  )
})

export const deleteNetworkSetting = dual(function* deleteNetworkSetting(name: string) {
  return (yield* run('DELETE FROM retry_network_settings WHERE name = ?', [name])).changes > 0
})
