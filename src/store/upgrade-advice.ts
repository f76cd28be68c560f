import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

/** The directory yms-pay runs from: two levels above this module, in src/ (tests) and in dist/ alike. */
export function installRoot(): string {
  return fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '')
}

/**
 * How to get a newer yms-pay. It is not published to any registry (the package is private): it runs from a clone
 * (README, Quick start) or from wherever an admin installed such a clone, so the advice names that place.
 */
export function upgradeAdvice(root = installRoot()): string {
  if (existsSync(join(root, '.git'))) return `update the checkout it runs from (\`git pull && npm ci\` in ${root})`
  return `replace the installation at ${root} with a newer checkout of yms-pay (it is not on npm: install it the way this one was, e.g. from an updated clone)`
}
