import type {Context} from './context.js'
import type {Link} from './groups.js'
import {listWords, paymentWords, sentences, capitalised} from './words.js'

/**
 * Links by reference: a payment is tied to every invoice of its own customer that its reference names. A reference
 * that names only other customers' invoices, another site's, or none the YMS has imported ties it to nothing;
 * the reason is kept for the note.
 */
export function referenceLinks(ctx: Context): Link[] {
  const {facts} = ctx
  const links: Link[] = []
  facts.payments.forEach((p, index) => {
    if (p.invoiceRef === null) return
    // Nearly always every named invoice is the customer's own: the list is then shared, not copied.
    const own = p.names.every((i) => facts.invoices[i]!.customer === p.customer)
      ? p.names
      : p.names.filter((i) => facts.invoices[i]!.customer === p.customer)
    if (own.length > 0) {
      links.push({payment: index, invoices: own, rule: 'reference', why: null, fx: null})
      return
    }
    const reasons = [
      ...p.names.map((i) => {
        const invoice = facts.invoices[i]!
        return `invoice ${invoice.id} belongs to customer ${invoice.customer}, not to ${p.customer}`
      }),
      ...p.unresolved.map((u) =>
        u.site === null
          ? `no invoice ${u.ref} has been imported from the YMS`
          : `invoice ${u.ref} belongs to site ${u.site}, not to ${facts.site}`,
      ),
    ]
    ctx.referenceNotes.set(
      index,
      sentences(
        `${capitalised(paymentWords(p))} names invoice ${JSON.stringify(p.invoiceRef)}, but ${listWords(reasons)}`,
        'It is not matched by amount either, since its reference says it pays something else',
      ),
    )
  })
  return links
}
