// Package srtp implements SRTP and SRTCP (RFC 3711) for the protection
// profiles WebRTC negotiates through DTLS-SRTP (RFC 5764):
// SRTP_AES128_CM_HMAC_SHA1_80, SRTP_AES128_CM_HMAC_SHA1_32,
// SRTP_AEAD_AES_128_GCM and SRTP_AEAD_AES_256_GCM (RFC 7714), plus AES-256
// counter mode with HMAC-SHA1 (RFC 6188) and the authentication-only NULL
// profiles of RFC 5764.
//
// # Usage
//
// This package owns the protection profiles and the DTLS-SRTP key split
// (RFC 5764 §4.2); rtc-dtls knows only the use_srtp profile ids, which are
// Profile's code points. After the DTLS handshake, hand the connection's
// exporter to ConfigsFromExporter:
//
//	local, remote, err := srtp.ConfigsFromExporter(srtp.Config{Profile: srtp.Profile(st.SRTPProfile)}, conn, srtp.RoleClient)
//
// or export Profile.KeyingMaterialLen() octets with the label ExporterLabel
// yourself and split them with ConfigsFromDTLS:
//
//	local, remote, err := srtp.ConfigsFromDTLS(srtp.Config{Profile: negotiated}, material, srtp.RoleClient)
//	out, _ := srtp.NewContext(local)  // protects what we send
//	in, _ := srtp.NewContext(remote)  // unprotects what we receive
//
// Then, per packet, in place on a buffer with room for the trailer:
//
//	buf = buf[:n]                    // an RTP packet, cap(buf) >= n+out.RTPOverhead()
//	pkt, err := out.ProtectRTP(buf)  // pkt aliases buf
//	rtp, err := in.UnprotectRTP(pkt) // rtp aliases pkt
//
// or with the append forms (AppendProtectRTP and friends), which leave their
// input alone and append to dst. The RTCP forms are the same
// (ProtectRTCP, UnprotectRTCP, RTCPOverhead).
//
// # Sans-I/O
//
// A Context is a keyed codec, not a protocol machine: it has no timers, does
// no I/O and creates no goroutines, so it offers none of the eight verbs.
// The PeerConnection demultiplexes SRTP from DTLS and STUN (RFC 7983) and
// calls it inline. It is not safe for concurrent use.
//
// # Behaviour
//
//   - Key derivation uses a key derivation rate of 0 (RFC 3711 §4.3.1), as
//     DTLS-SRTP requires: session keys are derived once per master key.
//   - The receiver estimates each packet's index with RFC 3711 Appendix A and
//     commits ROC, s_l and the replay window only after the packet
//     authenticates; any rejected packet leaves all state as it was.
//   - Per-SSRC state is created on demand, for received SSRCs only once a
//     packet authenticates, up to Config.MaxSSRCs per direction.
//   - Replay protection uses shared.ReplayWindow (Check before
//     authentication, Accept after), Config.ReplayWindow wide (default 64).
//   - SRTCP carries the E bit and a 31-bit index that starts at 0.
//   - MKI: a fixed-length MKI may name one of several master keys (AddKey,
//     SetSendMKI, RemoveKey).
//
// # Errors and limits
//
// Each rejection has its own sentinel: ErrAuthFailed, ErrReplay,
// ErrTooShort (and ErrNotRTP for a wrong version), ErrTooManySSRCs and
// ErrUnknownMKI, and Stats counts them. Nothing in this package panics on
// network input (see FuzzUnprotect).
//
// # Performance
//
// Protect and unprotect allocate nothing. AES-GCM uses crypto/cipher in
// place. AES-CM uses its own counter-mode keystream: the standard library
// allocates a new CTR per IV, so on amd64 with AES-NI the counter blocks are
// encrypted in batches of eight by a small assembly routine over a key
// schedule expanded once (aesblocks.go); elsewhere, or with the purego build
// tag, crypto/aes encrypts one block at a time. HMAC-SHA1 state is reused
// with Reset.
//
// # Known gaps
//
//   - Key derivation rates other than 0 (not used by DTLS-SRTP).
//   - The 8-octet-tag AEAD variants of RFC 7714 for
//     SDES, AES-192-CM, AES-f8, header extension encryption (RFC 6904) and
//     cryptex (RFC 9335).
//   - The AES key expansion of the assembly path uses a table S-box; it runs
//     once per key, not per packet.
package srtp
