// Package tls13 holds the DTLS 1.3 building blocks of rtc-dtls (RFC 9147 on
// RFC 8446): the key schedule, the key exchange groups (X25519MLKEM768,
// x25519, P-256), the record layer (unified header, record number
// encryption, epochs, anti-replay) and the handshake message codecs.
//
// It is not yet wired into the dtls.Conn machine; see rtc-dtls/README.md for
// what works and what remains.
package tls13
