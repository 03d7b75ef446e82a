/**
 * On-chain requests: a paid node watches the InferenceCoordinator for requests assigned to it, runs
 * them on its own engine and fulfils them before their deadline, and settles the optimistic answers
 * it proposed once their challenge window closed, at most once per request across restarts and RPC
 * outages ({@link io.verinfer.node.onchain.RequestWatcher}, configured by {@link
 * io.verinfer.node.onchain.OnchainSettings} and {@link io.verinfer.node.onchain.GasPolicy}).
 */
package io.verinfer.node.onchain;
