/**
 * The {@code verinfer-chat} demo pack: a question/answer corpus about Verinfer ({@link
 * io.verinfer.runtime.packs.chat.ChatCorpus}), a byte-level BPE tokenizer written as a Hugging Face
 * {@code tokenizer.json} ({@link io.verinfer.runtime.packs.chat.ByteLevelBpe}), a deterministic
 * pure-Java trainer for {@link io.verinfer.runtime.textgen.DecoderWeights} ({@link
 * io.verinfer.runtime.packs.chat.DecoderTrainer}) and the recipe that ties them together ({@link
 * io.verinfer.runtime.packs.chat.TrainChatPack}).
 */
package io.verinfer.runtime.packs.chat;
