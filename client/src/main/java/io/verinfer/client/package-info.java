/**
 * The consumer SDK: a wallet and a deposit are all a consumer needs to buy inference from the
 * network's staked providers, paying each call with a signed voucher and checking each signed
 * receipt.
 */
package io.verinfer.client;
