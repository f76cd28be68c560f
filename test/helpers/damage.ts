import {closeSync, openSync, writeSync} from 'node:fs'

import Database from 'better-sqlite3'

/**
 * Damages a real ledger in the middle, as a failing disk or a stray write would: the WAL is folded into the file
 * first (so the page lives there), then one leaf page of `table` from the middle of its pages is overwritten with
 * bytes that are no b-tree page. Returns the page number.
 */
export function damageMiddlePage(file: string, table: string): number {
  const db = new Database(file)
  let page: number
  let pageSize: number
  try {
    db.pragma('wal_checkpoint(TRUNCATE)')
    const pages = db
      .prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno")
      .pluck()
      .all(table) as number[]
    if (pages.length < 3)
      throw new Error(`${table} has ${pages.length} leaf pages: too few to damage one in the middle`)
    page = pages[Math.floor(pages.length / 2)]!
    pageSize = db.pragma('page_size', {simple: true}) as number
  } finally {
    db.close()
  }
  const fd = openSync(file, 'r+')
  try {
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize)
  } finally {
    closeSync(fd)
  }
  return page
}
