import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

/** A raw Square object from test/fixtures/square/, parsed fresh for each test. */
export function fixture(name: string): Record<string, unknown> {
  const path = fileURLToPath(new URL(`../../fixtures/square/${name}.json`, import.meta.url))
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
}
