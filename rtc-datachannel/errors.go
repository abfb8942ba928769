package datachannel

import "errors"

// Sentinel errors callers branch on.
var (
	// ErrUnknownChannel reports a channel id with no channel.
	ErrUnknownChannel = errors.New("datachannel: unknown channel")
	// ErrNotOpen reports a send on a channel that is not open (W3C
	// RTCDataChannel send(): InvalidStateError).
	ErrNotOpen = errors.New("datachannel: channel not open")
	// ErrNoFreeStream reports that every stream id of our parity is in use.
	ErrNoFreeStream = errors.New("datachannel: no free stream id")
	// ErrStreamInUse reports a negotiated id that is already taken.
	ErrStreamInUse = errors.New("datachannel: stream id in use")
	// ErrBadOptions reports contradictory channel options (both
	// MaxRetransmits and MaxPacketLifeTime, or a label longer than 65535 bytes).
	ErrBadOptions = errors.New("datachannel: invalid channel options")
	// ErrTooManyChannels reports that Config.MaxChannels channels exist.
	ErrTooManyChannels = errors.New("datachannel: too many channels")
	// ErrClosed reports use of a manager after its association ended.
	ErrClosed = errors.New("datachannel: closed")

	errBadValue = errors.New("bad value")
)
