/**
 * Trains the demo model packs ({@code fraud-detect}, {@code amm-fee}) from seeded synthetic data,
 * exports them to ONNX and writes {@code model.onnx} + {@code manifest.json}. Everything is
 * deterministic: pure Java double math with {@link java.lang.StrictMath}, fixed seeds, fixed
 * iteration order, so training twice gives byte-identical models and therefore the same CID. Entry
 * point: {@link io.verinfer.runtime.packs.train.BuildPacks}.
 */
package io.verinfer.runtime.packs.train;
