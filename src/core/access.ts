/**
 * Which customer segments a provider may touch. Default deny: a provider with no matching grant may neither
 * read nor write. `*` matches any segment or site; `write` implies `read`.
 */
export type Access = 'read' | 'write'

export interface Grant {
  segment: string
  site: string
  access: Access
}

export function isAllowed(grants: readonly Grant[], target: {segment: string; site: string}, need: Access): boolean {
  return grants.some(
    (g) =>
      (g.segment === '*' || g.segment === target.segment) &&
      (g.site === '*' || g.site === target.site) &&
      (need === 'read' || g.access === 'write'),
  )
}
