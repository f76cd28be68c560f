import type {Decision} from '../../core/transaction.js'
import {overrideKey, type RetryRules} from '../../core/retry/classification.js'
import {networkRulesFrom} from '../../core/retry/network-rules.js'
import type {Db} from '../db.js'

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

export function readRetryRules(db: Db): RetryRules {
  const overrides = new Map(listOverrides(db).map((o) => [overrideKey(o.kind, o.code), o.decision]))
  const settings = new Map(listNetworkSettings(db).map((s) => [s.name, s.value]))
  return {overrides, network: networkRulesFrom(settings)}
}

export function listOverrides(db: Db, filter: {kind?: string} = {}): CodeOverride[] {
  const rows = db
    .stmt(
      `SELECT kind, code, decision, note, updated_at, updated_by FROM retry_code_overrides
       WHERE (@kind IS NULL OR kind = @kind) ORDER BY kind, code`,
    )
    .all({kind: filter.kind ?? null}) as {
    kind: string
    code: string
    decision: Decision
    note: string | null
    updated_at: string
    updated_by: string
  }[]
  return rows.map((r) => ({
    kind: r.kind,
    code: r.code,
    decision: r.decision,
    note: r.note,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  }))
}

export function getOverride(db: Db, kind: string, code: string): CodeOverride | null {
  return listOverrides(db, {kind}).find((o) => o.code === code) ?? null
}

export function putOverride(db: Db, o: Omit<CodeOverride, 'updatedAt'>, now: string = db.now()): void {
  db.stmt(
    `INSERT INTO retry_code_overrides (kind, code, decision, note, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (kind, code) DO UPDATE SET decision = excluded.decision, note = excluded.note,
       updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  ).run(o.kind, o.code, o.decision, o.note, now, o.updatedBy)
}

export function deleteOverride(db: Db, kind: string, code: string): boolean {
  return db.stmt('DELETE FROM retry_code_overrides WHERE kind = ? AND code = ?').run(kind, code).changes > 0
}

export function listNetworkSettings(db: Db): NetworkSetting[] {
  const rows = db
    .stmt('SELECT name, value, updated_at, updated_by FROM retry_network_settings ORDER BY name')
    .all() as {name: string; value: string; updated_at: string; updated_by: string}[]
  return rows.map((r) => ({name: r.name, value: r.value, updatedAt: r.updated_at, updatedBy: r.updated_by}))
}

export function putNetworkSetting(db: Db, s: Omit<NetworkSetting, 'updatedAt'>, now: string = db.now()): void {
  db.stmt(
    `INSERT INTO retry_network_settings (name, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
       updated_by = excluded.updated_by`,
  ).run(s.name, s.value, now, s.updatedBy)
}

export function deleteNetworkSetting(db: Db, name: string): boolean {
  return db.stmt('DELETE FROM retry_network_settings WHERE name = ?').run(name).changes > 0
}
