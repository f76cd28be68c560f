import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {AppContext} from '../../../src/app/context.js'
import {resolveHome} from '../../../src/app/home.js'
import {tempDb, type TempDb} from '../../store/helpers.js'

/** A fresh ledger, a context that keeps its warnings, and a place to write the files an import reads. */
export interface ImportWorld extends TempDb {
  ctx: AppContext
  warnings: string[]
  /** Writes `content` (text as UTF-8, or raw bytes) under the world's directory and returns the path. */
  input(name: string, content: string | Uint8Array): string
}

export function importWorld(): ImportWorld {
  const t = tempDb()
  const warnings: string[] = []
  const ctx: AppContext = {
    home: resolveHome({flag: t.dir, env: {}, xdgDataDir: t.dir, xdgConfigDir: t.dir}),
    actor: 'import-test',
    env: {},
    terminal: {color: false, interactive: false, stdoutIsTty: false},
    now: () => Date.parse('2026-11-20T12:00:00Z'),
    note: () => {},
    warn: (message) => warnings.push(message),
  }
  const files = join(t.dir, 'in')
  mkdirSync(files, {recursive: true})
  return {
    ...t,
    ctx,
    warnings,
    input(name, content) {
      const path = join(files, name)
      writeFileSync(path, content)
      return path
    },
  }
}

/** CSV text from lines (LF endings, a final newline). */
export const csv = (...lines: string[]): string => `${lines.join('\n')}\n`
