/** Verinfer protocol value types, canonical encodings and EIP-712 typed data. No I/O. */
package io.verinfer.protocol;
