/** Opaque, JSON-serializable pagination state. Only the adapter reads it; the store persists it verbatim. */
export type Cursor = Record<string, unknown>
