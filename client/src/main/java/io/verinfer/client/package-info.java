/**
 * The consumer SDK: a wallet and a deposit are all a consumer needs to buy inference from the
 * network's staked providers, paying each call with a signed voucher and checking each signed
 * receipt.
 *
 * <p>Start with {@link io.verinfer.client.VerinferClient}: {@code connect}, {@code deposit}, then
 * {@code infer}. Providers are found on-chain by {@link io.verinfer.client.ProviderDirectory}; what
 * the client signed on each payment lane is saved by a {@link io.verinfer.client.LaneStore} ({@link
 * io.verinfer.client.SqliteLaneStore}) so that a restarted client continues where it stopped; calls
 * on one lane run concurrently, each with its own voucher. Failures are {@link
 * io.verinfer.client.InferenceException}s whose type says what to do: deposit more or fix the input
 * ({@link io.verinfer.client.ProviderRefusedException}), keep the evidence ({@link
 * io.verinfer.client.InvalidReceiptException}), or try later ({@link
 * io.verinfer.client.NoProviderAvailableException}).
 */
package io.verinfer.client;
