/**
 * The commitments of paid text generation: {@link io.verinfer.protocol.text.TextRequest} (the
 * {@code inputHash} of a text receipt), {@link io.verinfer.protocol.text.TextOutput} (its {@code
 * outputHash}: the completion's token ids so far and how it ended) and {@link
 * io.verinfer.protocol.text.TextPrice}. How streams are paid and committed chunk by chunk is in
 * docs/architecture.md, "Text generation".
 */
package io.verinfer.protocol.text;
