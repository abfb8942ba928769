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
// Tests that need a binary (chromium, openssl) skip when it is missing,
// unless SANSRTC_REQUIRE_INTEROP=1, in which case they fail.
//
//	go test ./tools/interop/dtls
package dtlsinterop
