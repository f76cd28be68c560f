import type {ImportResult} from '../services/imports/run-import.js'
import type {Renderer} from './render.js'

/** How every import treats its file, for the commands' help. */
export const IMPORT_FILE_RULES =
  'The file is UTF-8: CSV (comma-separated, a header naming the columns, one record per line) or JSON lines (one object per line). It is refused as a whole (exit 2, nothing imported) when it cannot be read, is not UTF-8, is empty, or has an unknown, repeated or missing column. An id on more than one line rejects all of those lines. Otherwise bad rows are reported with their line and reason and good rows still land (idempotent upsert); exit 4 when any row was rejected.'

/** Counts first, then every rejected line with its reason, so an admin can fix the file and import again. */
export function renderImportResult(what: string, result: ImportResult, ui: Renderer): string {
  const head = `${what}: ${result.inserted} inserted, ${result.updated} updated, ${result.unchanged} unchanged, ${result.rejected.length} rejected`
  if (result.rejected.length === 0) return head
  const shown = result.rejected.slice(0, 50).map((r) => `  line ${r.line}: ${r.error}`)
  if (result.rejected.length > 50) shown.push(`  … and ${result.rejected.length - 50} more (use --json for all)`)
  return `${head}\n${ui.chalk.yellow('rejected:')}\n${shown.join('\n')}`
}
