package rtc

import (
	"strconv"

	sdp "github.com/sansrtc/rtc/rtc-sdp"
)

// MediaKind is the kind of an m-section's media.
type MediaKind uint8

// Media kinds.
const (
	MediaKindAudio MediaKind = iota + 1
	MediaKindVideo
)

// String returns the SDP media name ("audio", "video").
func (k MediaKind) String() string {
	switch k {
	case MediaKindAudio:
		return "audio"
	case MediaKindVideo:
		return "video"
	}
	return "MediaKind(" + strconv.Itoa(int(k)) + ")"
}

// Direction is a transceiver direction (W3C RTCRtpTransceiverDirection,
// RFC 8829 §4.2.4).
type Direction uint8

// Directions.
const (
	DirectionSendRecv Direction = iota
	DirectionSendOnly
	DirectionRecvOnly
	DirectionInactive
	DirectionStopped
)

// String returns the W3C name.
func (d Direction) String() string {
	return [...]string{"sendrecv", "sendonly", "recvonly", "inactive", "stopped", "unknown"}[min(int(d), 5)]
}

// Transceiver is one RTP m-section (W3C RTCRtpTransceiver): a Sender
// and a Receiver sharing a mid, a direction and the negotiated codecs.
type Transceiver struct {
	pc               *PeerConnection
	kind             MediaKind
	mid              string
	midBytes         []byte // mid for the MID header extension
	direction        Direction
	currentDirection Direction
	hasCurrent       bool
	stopped          bool
	stopping         bool      // Stop was called; the next offer rejects the section
	negotiatedWant   Direction // direction when the last exchange completed
	everSent         bool      // it was negotiated with a send direction once (W3C addTrack reuse rule)
	firedRecv        bool      // W3C [[FiredDirection]] includes receiving: EventTrack fired

	sender   *Sender
	receiver *Receiver
	// streamIDs are the local a=msid stream ids.
	streamIDs []string
	// codecs negotiated for the m-section (payload types of the offerer),
	// and the SetCodecPreferences list.
	codecs      []Codec
	preferences []Codec
	// extensions negotiated for the m-section (RFC 8285 ids).
	extensions []Extension
	// sendCache is the sender's codec choice (Sender.sendCodec).
	sendCache sendCodecCache
	// remoteRIDs are the rids the remote peer sends (a=rid ... send with
	// a=simulcast send, RFC 8853), in its order.
	remoteRIDs []string
}

// Kind returns the media kind.
func (t *Transceiver) Kind() MediaKind { return t.kind }

// Mid returns the mid, empty until the transceiver is in a description.
func (t *Transceiver) Mid() string { return t.mid }

// Direction returns the preferred direction.
func (t *Transceiver) Direction() Direction { return t.direction }

// CurrentDirection returns the negotiated direction, and false before any
// negotiation.
func (t *Transceiver) CurrentDirection() (Direction, bool) { return t.currentDirection, t.hasCurrent }

// Stopped reports whether the transceiver is stopped (its m-section rejected).
func (t *Transceiver) Stopped() bool { return t.stopped }

// mSection is one m= line of the negotiation, in m-line order (RFC 8829
// §5.2.2: m-line order never changes once negotiated).
type mSection struct {
	mid         string
	kind        string // "application", "audio", "video"
	transceiver *Transceiver
	rejected    bool
	// proto and formats of a remote section we reject, echoed in the answer.
	proto   string
	formats []string
	rtpmaps []sdp.RTPMap // the offered formats' a=rtpmap (offeredRTPMaps)
	// remote is what the remote offer said of an RTP section; the answer*
	// fields are the answer to it (RFC 8829 §5.3.1).
	remote       *remoteMedia
	answerCodecs []Codec
	answerExts   []Extension
}
