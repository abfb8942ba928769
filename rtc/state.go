package rtc

// SignalingState is the JSEP signaling state (RFC 8829 §3.2, W3C
// RTCSignalingState).
type SignalingState uint8

// Signaling states.
const (
	// SignalingStable: no offer/answer exchange in progress.
	SignalingStable SignalingState = iota
	// SignalingHaveLocalOffer: a local offer has been applied.
	SignalingHaveLocalOffer
	// SignalingHaveRemoteOffer: a remote offer has been applied.
	SignalingHaveRemoteOffer
	// SignalingHaveLocalPranswer: a remote offer and a local pranswer are applied.
	SignalingHaveLocalPranswer
	// SignalingHaveRemotePranswer: a local offer and a remote pranswer are applied.
	SignalingHaveRemotePranswer
	// SignalingClosed: the PeerConnection is closed.
	SignalingClosed
)

// String returns the W3C name ("have-local-offer").
func (s SignalingState) String() string {
	return [...]string{"stable", "have-local-offer", "have-remote-offer",
		"have-local-pranswer", "have-remote-pranswer", "closed", "unknown"}[min(int(s), 6)]
}

// PeerConnectionState aggregates ICE and DTLS (W3C RTCPeerConnectionState).
type PeerConnectionState uint8

// Connection states.
const (
	PeerConnectionNew PeerConnectionState = iota
	PeerConnectionConnecting
	PeerConnectionConnected
	PeerConnectionDisconnected
	PeerConnectionFailed
	PeerConnectionClosed
)

// String returns the W3C name.
func (s PeerConnectionState) String() string {
	return [...]string{"new", "connecting", "connected", "disconnected", "failed", "closed", "unknown"}[min(int(s), 6)]
}

// ICEConnectionState is the W3C RTCIceConnectionState.
type ICEConnectionState uint8

// ICE connection states.
const (
	ICEConnectionNew ICEConnectionState = iota
	ICEConnectionChecking
	ICEConnectionConnected
	ICEConnectionCompleted
	ICEConnectionDisconnected
	ICEConnectionFailed
	ICEConnectionClosed
)

// String returns the W3C name.
func (s ICEConnectionState) String() string {
	return [...]string{"new", "checking", "connected", "completed", "disconnected", "failed", "closed", "unknown"}[min(int(s), 7)]
}

// ICEGatheringState is the W3C RTCIceGatheringState.
type ICEGatheringState uint8

// ICE gathering states.
const (
	ICEGatheringNew ICEGatheringState = iota
	ICEGatheringGathering
	ICEGatheringComplete
)

// String returns the W3C name.
func (s ICEGatheringState) String() string {
	return [...]string{"new", "gathering", "complete", "unknown"}[min(int(s), 3)]
}

// DataChannelState is the W3C RTCDataChannelState.
type DataChannelState uint8

// Data channel states.
const (
	DataChannelConnecting DataChannelState = iota
	DataChannelOpen
	DataChannelClosing
	DataChannelClosed
)

// String returns the W3C name.
func (s DataChannelState) String() string {
	return [...]string{"connecting", "open", "closing", "closed", "unknown"}[min(int(s), 4)]
}

// DTLSTransportState is the W3C RTCDtlsTransportState of the one bundled
// DTLS transport (W3C webrtc-pc §5.5.1).
type DTLSTransportState uint8

// DTLS transport states.
const (
	// DTLSTransportNew: DTLS has not started.
	DTLSTransportNew DTLSTransportState = iota
	// DTLSTransportConnecting: the handshake is in progress.
	DTLSTransportConnecting
	// DTLSTransportConnected: the handshake completed and the remote
	// certificate matched a=fingerprint.
	DTLSTransportConnected
	// DTLSTransportClosed: closed intentionally, by a close_notify alert
	// received from the peer (RFC 5246 §7.2.1) or by Close.
	DTLSTransportClosed
	// DTLSTransportFailed: a fatal alert, a handshake timeout or a
	// certificate that does not match a=fingerprint.
	DTLSTransportFailed
)

// String returns the W3C name.
func (s DTLSTransportState) String() string {
	return [...]string{"new", "connecting", "connected", "closed", "failed", "unknown"}[min(int(s), 5)]
}

// SCTPTransportState is the W3C RTCSctpTransportState of the SCTP
// association that carries the data channels (W3C webrtc-pc §6.1.2).
type SCTPTransportState uint8

// SCTP transport states.
const (
	// SCTPTransportConnecting: the association is being set up (or not
	// started: no data m-section was negotiated yet).
	SCTPTransportConnecting SCTPTransportState = iota
	// SCTPTransportConnected: the association is established.
	SCTPTransportConnected
	// SCTPTransportClosed: the association ended: ABORT or SHUTDOWN from
	// the peer (RFC 9260 §9.1, §9.2), a local close, or a failure.
	SCTPTransportClosed
)

// String returns the W3C name.
func (s SCTPTransportState) String() string {
	return [...]string{"connecting", "connected", "closed", "unknown"}[min(int(s), 3)]
}
