package rtc

import (
	"fmt"
	"net/netip"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// EventKind says what an Event reports. The doc of each kind lists the
// fields it sets.
type EventKind uint8

// Event kinds, mirroring the W3C events.
const (
	EventNone EventKind = iota
	// EventSignalingStateChange: SignalingState.
	EventSignalingStateChange
	// EventConnectionStateChange: ConnectionState.
	EventConnectionStateChange
	// EventICEConnectionStateChange: ICEConnectionState.
	EventICEConnectionStateChange
	// EventICEGatheringStateChange: ICEGatheringState.
	EventICEGatheringStateChange
	// EventICECandidate: Candidate (a trickled local candidate). A zero
	// Candidate.Candidate means end-of-candidates (the W3C null candidate).
	EventICECandidate
	// EventNegotiationNeeded: nothing else; call CreateOffer.
	EventNegotiationNeeded
	// EventDataChannel: Channel (opened by the remote peer, W3C ondatachannel).
	EventDataChannel
	// EventDataChannelOpen: Channel.
	EventDataChannelOpen
	// EventBufferedAmountLow: Channel (bufferedAmount fell to or below the threshold).
	EventBufferedAmountLow
	// EventDataChannelClosing: Channel.
	EventDataChannelClosing
	// EventDataChannelClose: Channel.
	EventDataChannelClose
	// EventDataChannelError: Channel, Err.
	EventDataChannelError
	// EventError: Err (a *LayerError from one layer of the stack).
	EventError
	// EventDTLSStateChange: DTLSState (W3C RTCDtlsTransport statechange).
	// DTLSTransportClosed right after the peer's close_notify is how a
	// remote close is reported at once (see the package doc, Teardown).
	EventDTLSStateChange
	// EventSCTPStateChange: SCTPState (W3C RTCSctpTransport statechange).
	// SCTPTransportClosed follows the peer's ABORT or SHUTDOWN at once.
	EventSCTPStateChange
	// EventICECandidateError: Candidate (the first remote candidate
	// refused), Err (wraps ErrLimit). Remote candidates were cut by a
	// limit: MaxRemoteCandidates for those of a description, or the ICE
	// agent's limits for trickled and peer-reflexive ones (W3C
	// icecandidateerror). Once per ICE session from the agent, once per
	// description from the PeerConnection; a cut is never silent.
	EventICECandidateError
	// EventTrack: Transceiver, Track (the remote track, W3C ontrack) and
	// Streams (its a=msid stream ids), W3C "process the addition of a
	// remote track" (webrtc §5.1). Fired when the offer/answer exchange
	// that makes the transceiver receive completes: on the offerer at
	// SetRemoteDescription(answer), on the answerer at
	// SetLocalDescription(answer), once the negotiated direction is known
	// (W3C fires it at every setRemoteDescription; an answerer here sees
	// the remote offer's transceivers in Transceivers right after
	// SetRemoteDescription).
	EventTrack
	// EventKeyframeRequest: Transceiver, SSRC. The remote peer asked for
	// a keyframe on one of our streams (PLI, RFC 4585 §6.3.1, or FIR, RFC
	// 5104 §4.3.1); a forwarding application passes it on with
	// RequestKeyframe on the source.
	EventKeyframeRequest
	// EventTargetBitrate: Bitrate, the send-side estimate in bits per
	// second (GCC over transport-wide feedback, or a REMB).
	EventTargetBitrate
	// EventResolveHostname: Hostname, a remote candidate's mDNS (".local")
	// name (draft-ietf-mmusic-mdns-ice-candidates) or FQDN. The caller
	// resolves it (an mDNS query with rtc-ice/mdns's Querier on its
	// multicast socket, or DNS for an FQDN) and answers with
	// ResolveHostname (CmdResolveHostname); the candidate is paired then.
	// Without an answer the peer's checks still make a peer-reflexive
	// pair: ICE waits for them (the PAC timer) and does not fail.
	EventResolveHostname
	// EventTCPConnect: Transport. ICE-TCP (RFC 6544 §7.1): a check needs a
	// TCP connection from Transport.Local's IP (any port: an active
	// candidate) to Transport.Peer (a remote passive candidate). The
	// caller dials and answers with TCPConnected (with the connection's
	// real local address) or TCPConnectFailed; segments read from the
	// connection go to HandleRead with Transport.Protocol shared.TCP.
	EventTCPConnect
	// EventResolveICEServer: Hostname, the host name of an ICE server URL
	// (Configuration.ICEServers). The caller resolves it (DNS: the core
	// never blocks) and answers with ResolveICEServer (CmdResolveICEServer),
	// with no addresses when resolution failed; gathering completes only
	// after every name is answered.
	EventResolveICEServer
	// EventPublishHostname: Hostname and Addr. With
	// Configuration.MDNSHostCandidates, a local address got the mDNS name
	// Hostname ("<uuid>.local"), which the host candidates we signal carry
	// from now on. The caller answers mDNS queries for it with Addr (an
	// rtc-ice/mdns Responder, PublishName) on the LAN of Addr until Close,
	// then withdraws it (RFC 6762 §10.1 goodbye). PublishedHostnames lists
	// them all.
	EventPublishHostname
)

// String returns the W3C event name.
func (k EventKind) String() string {
	names := [...]string{"none", "signalingstatechange", "connectionstatechange",
		"iceconnectionstatechange", "icegatheringstatechange", "icecandidate",
		"negotiationneeded", "datachannel", "open", "bufferedamountlow", "closing",
		"close", "datachannel-error", "error", "dtlsstatechange", "sctpstatechange", "icecandidateerror", "track", "keyframerequest", "targetbitrate",
		"resolvehostname", "tcpconnect", "resolveiceserver", "publishhostname"}
	if int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("EventKind(%d)", k)
}

// Event is one notification from the PeerConnection; Kind says which fields are set.
type Event struct {
	Kind               EventKind
	SignalingState     SignalingState
	ConnectionState    PeerConnectionState
	ICEConnectionState ICEConnectionState
	ICEGatheringState  ICEGatheringState
	DTLSState          DTLSTransportState
	SCTPState          SCTPTransportState
	Candidate          ICECandidateInit
	Channel            *DataChannel
	Err                error
	// Transceiver, Track and Streams: EventTrack.
	Transceiver *Transceiver
	Track       *Track
	Streams     []string
	// SSRC: EventKeyframeRequest. Bitrate: EventTargetBitrate.
	SSRC    uint32
	Bitrate int
	// Hostname: EventResolveHostname, EventResolveICEServer,
	// EventPublishHostname (with Addr, the local address it names).
	Hostname string
	Addr     netip.Addr
	// Transport: EventTCPConnect (Local: the address to dial from, its
	// port not used; Peer: where to connect).
	Transport shared.TransportContext
}

// String formats the event for logs.
func (e Event) String() string {
	switch e.Kind {
	case EventSignalingStateChange:
		return "signalingstatechange " + e.SignalingState.String()
	case EventConnectionStateChange:
		return "connectionstatechange " + e.ConnectionState.String()
	case EventICEConnectionStateChange:
		return "iceconnectionstatechange " + e.ICEConnectionState.String()
	case EventICEGatheringStateChange:
		return "icegatheringstatechange " + e.ICEGatheringState.String()
	case EventDTLSStateChange:
		return "dtlsstatechange " + e.DTLSState.String()
	case EventSCTPStateChange:
		return "sctpstatechange " + e.SCTPState.String()
	case EventICECandidate:
		return "icecandidate " + e.Candidate.Candidate
	case EventResolveHostname, EventResolveICEServer:
		return e.Kind.String() + " " + e.Hostname
	case EventPublishHostname:
		return e.Kind.String() + " " + e.Hostname + " " + e.Addr.String()
	case EventTCPConnect:
		return "tcpconnect " + e.Transport.Local.Addr().String() + " -> " + e.Transport.Peer.String()
	case EventError, EventDataChannelError, EventICECandidateError:
		return e.Kind.String() + " " + fmt.Sprint(e.Err)
	}
	if e.Channel != nil {
		return e.Kind.String() + " " + e.Channel.Label()
	}
	return e.Kind.String()
}

// ICECandidateInit is a trickled candidate (W3C RTCIceCandidateInit). Candidate
// is the candidate-attribute without "a=" ("candidate:1 1 udp ..."); an empty
// Candidate means end-of-candidates.
type ICECandidateInit struct {
	Candidate        string
	SDPMid           string
	SDPMLineIndex    int
	UsernameFragment string
}
