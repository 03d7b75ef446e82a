/**
 * Transport security to providers: the on-chain TLS key pin ({@link
 * io.verinfer.protocol.tls.TlsPin}) and when plain HTTP is allowed ({@link
 * io.verinfer.protocol.tls.TransportPolicy}).
 */
package io.verinfer.protocol.tls;
