package datachannel

import (
	"errors"
	"fmt"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

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
	// ErrTooManyChannels reports that this side has Config.MaxChannels channels.
	ErrTooManyChannels = errors.New("datachannel: too many channels")
	// ErrLabelTooLong reports a label plus protocol longer than
	// Config.MaxOpenLabelBytes.
	ErrLabelTooLong = errors.New("datachannel: label and protocol too long")
	// ErrLabelBudget reports that this side's channels already keep
	// Config.MaxLabelBytes of labels and protocols.
	ErrLabelBudget = errors.New("datachannel: label and protocol byte budget used up")
	// ErrClosed reports use of a manager after Close or after its
	// association ended. It wraps shared.ErrClosed.
	ErrClosed = fmt.Errorf("datachannel: closed: %w", shared.ErrClosed)

	errBadValue = errors.New("bad value")
)
