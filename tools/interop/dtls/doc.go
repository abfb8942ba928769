// Package dtlsinterop tests rtc-dtls against DTLS stacks nobody here wrote,
// on 127.0.0.1 only, in both roles each:
//
//   - headless Chromium (BoringSSL): the browser offers a data channel, we
//     answer as an ICE-lite peer with a minimal STUN responder, and the
//     browser's getStats must report the cipher and SRTP profile we
//     negotiated, and the browser's first SCTP packet must decrypt with our
//     keys (AES-128-GCM, ChaCha20-Poly1305; X25519, P-256, P-384; three
//     SRTP profiles; ECDSA and RSA certificates);
//   - OpenSSL 3 `s_server`/`s_client -dtls1_2`: every one of our 10 suites
//     with every group, plus a 300-byte MTU, with the 60 bytes of
//     EXTRACTOR-dtls_srtp that OpenSSL prints (-keymatexport) compared to
//     ours, and application data both ways;
//   - Pion's dtls v3.1.8: the 8 suites it shares with us times 3 groups, the
//     exported keying material compared, plus a 300-byte MTU with our
//     HelloVerifyRequest.
//
// DTLS 1.3 (issue 19, chromium13_test.go, fallback13_test.go): Chromium
// negotiates 1.3 with X25519MLKEM768 and x25519 with us in both roles (our
// client offering 1.3 only, or 1.3 and 1.2), checked from getStats
// (tlsVersion FEFC) and the decrypted SCTP; Pion and OpenSSL, which have
// only 1.2, connect to our 1.3-capable client and server with 1.2. The 1.2
// cases above pin DTLS 1.2 (1.3 is the default).
//
// Tests that need a binary (chromium, openssl) skip when it is missing,
// unless SANSRTC_REQUIRE_INTEROP=1, in which case they fail.
//
//	go test ./tools/interop/dtls
package dtlsinterop
