/**
 * The chain layer: generated contract bindings, a typed facade per contract, transaction sending
 * with nonce management and retries, log watching with confirmations, and the devnet supervisor.
 */
package io.verinfer.chain;
