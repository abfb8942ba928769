package rtc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// This file is getStats (W3C webrtc-pc §8.2, the dictionaries of W3C
// "Identifiers for WebRTC's Statistics API", webrtc-stats, Candidate
// Recommendation): the report types, their JSON form and the JSON
// decoder. stats_build.go builds a report from the PeerConnection's
// parts, stats_rtp.go the RTP stream types, stats_access.go reads the
// parts. Stats are computed on demand: nothing here runs on the hot path.

// StatsType is the W3C RTCStatsType (webrtc-stats §3.1), the "type" member
// of every stats object.
type StatsType string

// The stats types a PeerConnection reports (webrtc-stats §3.1).
const (
	StatsTypeCodec             StatsType = "codec"
	StatsTypeInboundRTP        StatsType = "inbound-rtp"
	StatsTypeOutboundRTP       StatsType = "outbound-rtp"
	StatsTypeRemoteInboundRTP  StatsType = "remote-inbound-rtp"
	StatsTypeRemoteOutboundRTP StatsType = "remote-outbound-rtp"
	StatsTypePeerConnection    StatsType = "peer-connection"
	StatsTypeDataChannel       StatsType = "data-channel"
	StatsTypeTransport         StatsType = "transport"
	StatsTypeCandidatePair     StatsType = "candidate-pair"
	StatsTypeLocalCandidate    StatsType = "local-candidate"
	StatsTypeRemoteCandidate   StatsType = "remote-candidate"
	StatsTypeCertificate       StatsType = "certificate"
)

// StatsHeader is the W3C RTCStats dictionary (webrtc-stats §3.2), the
// members every stats object has: its id (unique in the report and stable
// across reports for the same object), its type, and the time it was
// taken, in milliseconds since the Unix epoch (DOMHighResTimeStamp,
// webrtc-stats §3.2: "relative to the UNIX epoch").
type StatsHeader struct {
	ID        string    `json:"id"`
	Type      StatsType `json:"type"`
	Timestamp float64   `json:"timestamp"`
}

// Header returns the header; every stats type embeds it, so every stats
// type is a StatsEntry.
func (h StatsHeader) Header() StatsHeader { return h }

// StatsEntry is one stats object of a report: one of the Stats* types.
type StatsEntry interface {
	Header() StatsHeader
}

// StatsReport is a W3C RTCStatsReport: every stats object by its id. It
// marshals to JSON as browser tooling reads a report (the object
// chrome://webrtc-internals or a page builds from report.forEach): an
// object from id to stats object, each with "id", "type", "timestamp" and
// its members in camelCase; members the stack does not know are left out
// (webrtc-stats §3: a member that is not applicable is not present).
// UnmarshalJSON reads that form back, types it does not know included
// (as StatsOther).
type StatsReport map[string]StatsEntry

// Get returns the stats object with the id.
func (r StatsReport) Get(id string) (StatsEntry, bool) {
	e, ok := r[id]
	return e, ok
}

// IDs returns the ids of the objects of type t, sorted.
func (r StatsReport) IDs(t StatsType) []string {
	var ids []string
	for id, e := range r {
		if e.Header().Type == t {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// StatsOf returns the objects of Go type T in the report, sorted by id:
// StatsOf[StatsTransport](r). Local and remote candidates are both
// StatsCandidate.
func StatsOf[T StatsEntry](r StatsReport) []T {
	ids := make([]string, 0, len(r))
	for id, e := range r {
		if _, ok := e.(T); ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := make([]T, len(ids))
	for i, id := range ids {
		out[i] = r[id].(T)
	}
	return out
}

// StatsPeerConnection is RTCPeerConnectionStats (webrtc-stats §8.19).
type StatsPeerConnection struct {
	StatsHeader
	// DataChannelsOpened counts the channels that entered "open";
	// DataChannelsClosed those that left it (closing or closed).
	DataChannelsOpened uint32 `json:"dataChannelsOpened"`
	DataChannelsClosed uint32 `json:"dataChannelsClosed"`
}

// StatsDataChannel is RTCDataChannelStats (webrtc-stats §8.20).
type StatsDataChannel struct {
	StatsHeader
	Label                 string  `json:"label"`
	Protocol              string  `json:"protocol"`
	DataChannelIdentifier *uint16 `json:"dataChannelIdentifier,omitempty"` // the SCTP stream id, once assigned
	State                 string  `json:"state"`
	MessagesSent          uint32  `json:"messagesSent"`
	BytesSent             uint64  `json:"bytesSent"`
	MessagesReceived      uint32  `json:"messagesReceived"`
	BytesReceived         uint64  `json:"bytesReceived"`
}

// StatsTransport is RTCTransportStats (webrtc-stats §8.21): the one
// bundled ICE/DTLS transport.
type StatsTransport struct {
	StatsHeader
	PacketsSent              uint64 `json:"packetsSent"`
	PacketsReceived          uint64 `json:"packetsReceived"`
	BytesSent                uint64 `json:"bytesSent"`
	BytesReceived            uint64 `json:"bytesReceived"`
	ICERole                  string `json:"iceRole"` // "controlling", "controlled", "unknown"
	ICELocalUsernameFragment string `json:"iceLocalUsernameFragment,omitempty"`
	DTLSState                string `json:"dtlsState"`
	ICEState                 string `json:"iceState"`
	SelectedCandidatePairID  string `json:"selectedCandidatePairId,omitempty"`
	LocalCertificateID       string `json:"localCertificateId,omitempty"`
	RemoteCertificateID      string `json:"remoteCertificateId,omitempty"`
	TLSVersion               string `json:"tlsVersion,omitempty"` // hex of the version field: "FEFD" for DTLS 1.2
	DTLSCipher               string `json:"dtlsCipher,omitempty"` // IANA name
	DTLSRole                 string `json:"dtlsRole"`             // "client", "server", "unknown"
	SRTPCipher               string `json:"srtpCipher,omitempty"` // IANA DTLS-SRTP profile name
}

// StatsCandidatePair is RTCIceCandidatePairStats (webrtc-stats §8.23).
type StatsCandidatePair struct {
	StatsHeader
	TransportID       string `json:"transportId"`
	LocalCandidateID  string `json:"localCandidateId"`
	RemoteCandidateID string `json:"remoteCandidateId"`
	// State is RTCStatsIceCandidatePairState: "frozen", "waiting",
	// "in-progress", "failed" or "succeeded".
	State                  string  `json:"state"`
	Nominated              bool    `json:"nominated"`
	PacketsSent            uint64  `json:"packetsSent"`
	PacketsReceived        uint64  `json:"packetsReceived"`
	BytesSent              uint64  `json:"bytesSent,omitempty"`
	BytesReceived          uint64  `json:"bytesReceived,omitempty"`
	CurrentRoundTripTime   float64 `json:"currentRoundTripTime,omitempty"` // seconds
	TotalRoundTripTime     float64 `json:"totalRoundTripTime,omitempty"`   // seconds
	RequestsReceived       uint64  `json:"requestsReceived,omitempty"`
	RequestsSent           uint64  `json:"requestsSent,omitempty"`
	ResponsesReceived      uint64  `json:"responsesReceived,omitempty"`
	ConsentRequestsSent    uint64  `json:"consentRequestsSent,omitempty"`
	PacketsDiscardedOnSend uint32  `json:"packetsDiscardedOnSend,omitempty"`
	// Priority is the pair priority (RFC 8445 §6.1.2.3); removed from
	// webrtc-stats, still reported by Chromium and read by tools.
	Priority uint64 `json:"priority,omitempty"`
}

// StatsCandidate is RTCIceCandidateStats (webrtc-stats §8.22), type
// local-candidate or remote-candidate.
type StatsCandidate struct {
	StatsHeader
	TransportID      string `json:"transportId"`
	Address          string `json:"address,omitempty"` // the IP, or the mDNS name while unresolved
	Port             uint16 `json:"port"`
	Protocol         string `json:"protocol"`      // "udp" or "tcp"
	CandidateType    string `json:"candidateType"` // "host", "srflx", "prflx", "relay"
	Priority         uint32 `json:"priority"`
	Foundation       string `json:"foundation,omitempty"`
	RelatedAddress   string `json:"relatedAddress,omitempty"`
	RelatedPort      uint16 `json:"relatedPort,omitempty"`
	UsernameFragment string `json:"usernameFragment,omitempty"`
	TCPType          string `json:"tcpType,omitempty"` // "active", "passive", "so"
	RelayProtocol    string `json:"relayProtocol,omitempty"`
}

// StatsCertificate is RTCCertificateStats (webrtc-stats §8.24).
type StatsCertificate struct {
	StatsHeader
	// Fingerprint is the hash as in RFC 8122 §5 without the algorithm
	// ("AB:CD:..."), FingerprintAlgorithm its hash function ("sha-256").
	Fingerprint          string `json:"fingerprint"`
	FingerprintAlgorithm string `json:"fingerprintAlgorithm"`
	Base64Certificate    string `json:"base64Certificate"` // the DER, base64
	IssuerCertificateID  string `json:"issuerCertificateId,omitempty"`
}

// StatsOther is a stats object of a type this package does not report
// (a browser's "media-source", say), kept as decoded JSON so that a
// report read with UnmarshalJSON marshals back whole.
type StatsOther struct {
	StatsHeader
	Raw json.RawMessage `json:"-"`
}

// MarshalJSON returns the object as it was read.
func (o StatsOther) MarshalJSON() ([]byte, error) {
	if len(o.Raw) == 0 {
		return json.Marshal(o.StatsHeader)
	}
	return o.Raw, nil
}

// newStatsEntry returns a pointer to a zero stats object of type t.
func newStatsEntry(t StatsType) any {
	switch t {
	case StatsTypeCodec:
		return &StatsCodec{}
	case StatsTypeInboundRTP:
		return &StatsInboundRTP{}
	case StatsTypeOutboundRTP:
		return &StatsOutboundRTP{}
	case StatsTypeRemoteInboundRTP:
		return &StatsRemoteInboundRTP{}
	case StatsTypeRemoteOutboundRTP:
		return &StatsRemoteOutboundRTP{}
	case StatsTypePeerConnection:
		return &StatsPeerConnection{}
	case StatsTypeDataChannel:
		return &StatsDataChannel{}
	case StatsTypeTransport:
		return &StatsTransport{}
	case StatsTypeCandidatePair:
		return &StatsCandidatePair{}
	case StatsTypeLocalCandidate, StatsTypeRemoteCandidate:
		return &StatsCandidate{}
	case StatsTypeCertificate:
		return &StatsCertificate{}
	}
	return nil
}

// MaxStatsJSON bounds the JSON UnmarshalJSON reads (16 MiB): a report of
// a connection with thousands of streams stays far below it.
const MaxStatsJSON = 16 << 20

// UnmarshalJSON reads a report in the form MarshalJSON writes (an object
// from id to stats object). Each object must have a "type" and an "id"
// equal to its key; a type this package does not report becomes a
// StatsOther. The members are checked by encoding/json against the
// type's Go fields (a number where a string is due is an error; unknown
// members are ignored).
func (r *StatsReport) UnmarshalJSON(b []byte) error {
	if len(b) > MaxStatsJSON {
		return fmt.Errorf("rtc: stats report: %d bytes of JSON, more than %d", len(b), MaxStatsJSON)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("rtc: stats report: %w", err)
	}
	if raw == nil && !bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return fmt.Errorf("rtc: stats report: not an object")
	}
	out := make(StatsReport, len(raw))
	for id, obj := range raw {
		e, err := decodeStatsEntry(obj)
		if err != nil {
			return fmt.Errorf("rtc: stats report: %q: %w", id, err)
		}
		if h := e.Header(); h.ID != id {
			return fmt.Errorf("rtc: stats report: key %q holds id %q", id, h.ID)
		}
		out[id] = e
	}
	*r = out
	return nil
}

// decodeStatsEntry decodes one stats object by its "type".
func decodeStatsEntry(obj json.RawMessage) (StatsEntry, error) {
	var h StatsHeader
	if err := json.Unmarshal(obj, &h); err != nil {
		return nil, err
	}
	if h.Type == "" {
		return nil, fmt.Errorf("no type")
	}
	p := newStatsEntry(h.Type)
	if p == nil {
		var v map[string]any
		if err := json.Unmarshal(obj, &v); err != nil {
			return nil, err
		}
		return StatsOther{StatsHeader: h, Raw: slices.Clone(obj)}, nil
	}
	if err := json.Unmarshal(obj, p); err != nil {
		return nil, err
	}
	// Dereference: a report holds values, as GetStats builds it.
	switch v := p.(type) {
	case *StatsCodec:
		return *v, nil
	case *StatsInboundRTP:
		return *v, nil
	case *StatsOutboundRTP:
		return *v, nil
	case *StatsRemoteInboundRTP:
		return *v, nil
	case *StatsRemoteOutboundRTP:
		return *v, nil
	case *StatsPeerConnection:
		return *v, nil
	case *StatsDataChannel:
		return *v, nil
	case *StatsTransport:
		return *v, nil
	case *StatsCandidatePair:
		return *v, nil
	case *StatsCandidate:
		return *v, nil
	case *StatsCertificate:
		return *v, nil
	}
	return nil, fmt.Errorf("type %q", strings.ToValidUTF8(string(h.Type), "?"))
}

// Summary returns one line for logs: the transport's states and cipher,
// the selected pair's candidates and counters, and how many channels and
// RTP streams the report has.
func (r StatsReport) Summary() string {
	var sb strings.Builder
	for _, t := range StatsOf[StatsTransport](r) {
		fmt.Fprintf(&sb, "ice %s, dtls %s", t.ICEState, t.DTLSState)
		if t.DTLSCipher != "" {
			fmt.Fprintf(&sb, " (%s, %s)", t.DTLSRole, t.DTLSCipher)
		}
		fmt.Fprintf(&sb, ", %d/%d datagrams and %d/%d bytes sent/received", t.PacketsSent, t.PacketsReceived, t.BytesSent, t.BytesReceived)
		if p, ok := r[t.SelectedCandidatePairID].(StatsCandidatePair); ok {
			l, _ := r[p.LocalCandidateID].(StatsCandidate)
			rc, _ := r[p.RemoteCandidateID].(StatsCandidate)
			fmt.Fprintf(&sb, "; pair %s %s:%d <-> %s %s:%d, %d/%d packets", l.CandidateType, l.Address, l.Port,
				rc.CandidateType, rc.Address, rc.Port, p.PacketsSent, p.PacketsReceived)
		}
	}
	fmt.Fprintf(&sb, "; %d data channels, %d inbound and %d outbound RTP streams",
		len(r.IDs(StatsTypeDataChannel)), len(r.IDs(StatsTypeInboundRTP)), len(r.IDs(StatsTypeOutboundRTP)))
	return sb.String()
}
