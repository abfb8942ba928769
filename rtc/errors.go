package rtc

import (
	"errors"
	"fmt"
	"strings"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Sentinel errors callers branch on.
var (
	// ErrClosed reports use of a closed PeerConnection or data channel;
	// errors.Is(err, shared.ErrClosed) holds for it.
	ErrClosed = fmt.Errorf("rtc: closed: %w", shared.ErrClosed)
	// ErrInvalidState reports a JSEP call not allowed in the current
	// signaling state (W3C InvalidStateError).
	ErrInvalidState = errors.New("rtc: invalid signaling state")
	// ErrInvalidSDP reports a description that does not parse (W3C SyntaxError).
	ErrInvalidSDP = errors.New("rtc: invalid SDP")
	// ErrUnsupported reports a description that parses but cannot be
	// applied (W3C OperationError), e.g. no ICE credentials.
	ErrUnsupported = errors.New("rtc: description cannot be applied")
	// ErrFingerprintMismatch reports a DTLS certificate that does not match
	// the a=fingerprint of the remote description (RFC 8122 §5).
	ErrFingerprintMismatch = errors.New("rtc: remote certificate does not match fingerprint")
	// ErrChannelNotOpen reports a send on a data channel that is not open.
	ErrChannelNotOpen = errors.New("rtc: data channel not open")
	// ErrMessageTooLarge reports a message above the remote max-message-size.
	ErrMessageTooLarge = errors.New("rtc: message larger than max-message-size")
	// ErrBufferFull reports a send that would exceed MaxBufferedAmount.
	ErrBufferFull = errors.New("rtc: data channel buffer full")
	// ErrTooManyChannels reports MaxDataChannels reached or no stream id left.
	ErrTooManyChannels = errors.New("rtc: too many data channels")
	// ErrLimit reports a configured limit reached (candidates, SDP size).
	ErrLimit = errors.New("rtc: limit reached")
	// ErrUnknownChannel reports a channel id this connection does not know.
	ErrUnknownChannel = errors.New("rtc: unknown data channel")
	// ErrNoMedia reports an RTP or RTCP write on a transceiver that sends
	// nothing: media is not negotiated (SRTP is not wired yet, issue 13).
	ErrNoMedia = errors.New("rtc: no media negotiated for the transceiver")
	// ErrUnknownTransceiver reports an RTP or RTCP Message without a
	// transceiver of this connection.
	ErrUnknownTransceiver = errors.New("rtc: unknown transceiver")
	// ErrUnknownPacket reports a datagram that matches no demux range (RFC 7983).
	ErrUnknownPacket = errors.New("rtc: datagram matches no protocol")
	// ErrDataSectionRejected fails the data channels when the remote answer
	// rejects the data m-section (port zero, RFC 8829 §5.3.1) while keeping
	// the connection for media.
	ErrDataSectionRejected = errors.New("rtc: the answer rejected the data m-section")
)

// LayerError carries an error from one layer of the stack ("ice", "dtls",
// "sctp", "datachannel", "srtp") to the caller, in an EventError or as a
// Handle* return value.
type LayerError struct {
	Layer string
	Err   error
}

// Error formats the error as "rtc: dtls: ...". A layer error that already
// names its layer ("sctp: association aborted") is not prefixed twice.
func (e *LayerError) Error() string {
	msg := fmt.Sprint(e.Err)
	if strings.HasPrefix(msg, e.Layer+": ") {
		return "rtc: " + msg
	}
	return "rtc: " + e.Layer + ": " + msg
}

// Unwrap returns the layer's error.
func (e *LayerError) Unwrap() error { return e.Err }

func layerErr(layer string, err error) error {
	if err == nil {
		return nil
	}
	return &LayerError{Layer: layer, Err: err}
}
