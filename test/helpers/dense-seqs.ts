/**
 * A ledger's rows with each transaction seq replaced by its rank. PostgreSQL may leave gaps in `transactions.seq`:
 * a page reserves seqs for its new transactions before it knows which of them quarantine will hold
 * (docs/postgres.md, "A page in a few statements"). The order of arrival is what both engines must share.
 */
export function denseSeqs<T extends {transactions: unknown[]; states: unknown[]; postings: unknown[]}>(rows: T): T {
  const seqs = (rows.transactions as Array<{seq: number}>).map((t) => t.seq).sort((a, b) => a - b)
  const rank = new Map(seqs.map((seq, i) => [seq, i + 1]))
  const ranked = (seq: unknown) => (typeof seq === 'number' ? (rank.get(seq) ?? -seq) : seq)
  return {
    ...rows,
    transactions: (rows.transactions as Array<{seq: number}>).map((t) => ({...t, seq: ranked(t.seq)})),
    states: (rows.states as Array<{txn_seq: number}>).map((s) => ({...s, txn_seq: ranked(s.txn_seq)})),
    postings: (rows.postings as Array<{txn_seq: number | null}>).map((p) => ({...p, txn_seq: ranked(p.txn_seq)})),
  }
}
