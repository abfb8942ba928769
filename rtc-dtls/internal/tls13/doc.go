// Package tls13 holds the DTLS 1.3 building blocks of rtc-dtls (RFC 9147 on
// RFC 8446): the key schedule, the key exchange groups (X25519MLKEM768,
// x25519, P-256), the record layer (unified header, record number
// encryption, epochs, anti-replay) and the handshake message codecs.
//
// Endpoint is the 1.3 handshake and record machine for one association
// (both roles); rtc-dtls's Conn creates one once the version is known
// (conn13.go) and passes every verb to it. See rtc-dtls/README.md for what
// works, the figures and what remains.
//
// Randomness comes only from Config.Rand: key shares read their scalars and
// ML-KEM seed from it, and with a reader other than crypto/rand.Reader the
// ML-KEM encapsulation is derandomized through crypto/mlkem/mlkemtest and
// (EC)DH scalars are read as they are, so a seeded reader replays a
// handshake byte for byte.
package tls13
