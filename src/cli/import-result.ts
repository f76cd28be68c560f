import type {ImportResult} from '../services/imports/run-import.js'
import type {Renderer} from './render.js'

/** Counts first, then every rejected line with its reason, so an admin can fix the file and import again. */
export function renderImportResult(what: string, result: ImportResult, ui: Renderer): string {
  const head = `${what}: ${result.inserted} inserted, ${result.updated} updated, ${result.unchanged} unchanged, ${result.rejected.length} rejected`
  if (result.rejected.length === 0) return head
  const shown = result.rejected.slice(0, 50).map((r) => `  line ${r.line}: ${r.error}`)
  if (result.rejected.length > 50) shown.push(`  … and ${result.rejected.length - 50} more (use --json for all)`)
  return `${head}\n${ui.chalk.yellow('rejected:')}\n${shown.join('\n')}`
}
