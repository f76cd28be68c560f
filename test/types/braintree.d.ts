// The official braintree SDK ships no type declarations; the fidelity tests use it as the untyped JS it is.
declare module 'braintree' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const braintree: any
  namespace braintree {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    type BraintreeGateway = any
  }
  export = braintree
}
