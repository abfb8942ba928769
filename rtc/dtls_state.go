package rtc

import dtls "github.com/sansrtc/rtc/rtc-dtls"

// DTLSConnectionState returns what the DTLS handshake negotiated: the
// version ("DTLS 1.3" or "DTLS 1.2"), cipher suite, key exchange group
// (X25519MLKEM768, x25519, ...), the use_srtp profile id and the peer's
// certificate. The bool is false until the handshake has completed.
// Examples log it in their per-connection stats line.
func (pc *PeerConnection) DTLSConnectionState() (dtls.ConnectionState, bool) {
	if pc.tr.conn == nil {
		return dtls.ConnectionState{}, false
	}
	return pc.tr.conn.ConnectionState()
}
