package interceptor

import (
	"time"
)

// KeyframeRequesterConfig configures a KeyframeRequester.
type KeyframeRequesterConfig struct {
	// MinInterval is the least time between two requests for the same
	// stream; requests in between are suppressed (many SFU viewers asking
	// at once become one request upstream). If zero, 300 ms, or the RTT
	// when that is longer (the first keyframe cannot arrive sooner).
	MinInterval time.Duration
}

// KeyframeRequesterStats are a KeyframeRequester's counters.
type KeyframeRequesterStats struct {
	PLIs       uint64 // PLIs sent
	FIRs       uint64 // FIRs sent
	Suppressed uint64 // requests throttled
}

// KeyframeKind says which keyframe request to send.
type KeyframeKind uint8

// Keyframe request kinds.
const (
	KeyframeNone KeyframeKind = iota
	KeyframePLI               // Picture Loss Indication, RFC 4585 §6.3.1
	KeyframeFIR               // Full Intra Request, RFC 5104 §4.3.1
)

// String returns "PLI", "FIR" or "none".
func (k KeyframeKind) String() string {
	switch k {
	case KeyframePLI:
		return "PLI"
	case KeyframeFIR:
		return "FIR"
	}
	return "none"
}

// KeyframeRequester throttles keyframe requests for one remote stream and
// chooses between PLI and FIR. It allocates nothing.
type KeyframeRequester struct {
	cfg    KeyframeRequesterConfig
	last   time.Time
	firSeq uint8
	stats  KeyframeRequesterStats
}

// NewKeyframeRequester returns a requester with cfg's throttle.
func NewKeyframeRequester(cfg KeyframeRequesterConfig) *KeyframeRequester {
	if cfg.MinInterval <= 0 {
		cfg.MinInterval = 300 * time.Millisecond
	}
	return &KeyframeRequester{cfg: cfg}
}

// Stats returns the counters.
func (k *KeyframeRequester) Stats() KeyframeRequesterStats { return k.stats }

// Request decides whether a keyframe request may go out at now for a
// stream that negotiated fb and RTT rtt, and which. PLI is preferred:
// RFC 5104 §4.3.1.2 says a FIR "SHALL NOT be sent as a reaction to picture
// losses" and recommends PLI instead; FIR is used only when PLI was not
// negotiated. It
// returns the FIR command sequence number to use (RFC 5104 §4.3.1.1: it
// increases by one per new request) with KeyframeFIR.
func (k *KeyframeRequester) Request(now time.Time, fb Feedback, rtt time.Duration) (KeyframeKind, uint8, error) {
	kind := KeyframeNone
	switch {
	case fb.Has(FeedbackPLI):
		kind = KeyframePLI
	case fb.Has(FeedbackFIR):
		kind = KeyframeFIR
	default:
		return KeyframeNone, 0, ErrNotNegotiated
	}
	gap := k.cfg.MinInterval
	if rtt > gap {
		gap = rtt
	}
	if !k.last.IsZero() && now.Sub(k.last) < gap {
		k.stats.Suppressed++
		return KeyframeNone, 0, ErrThrottled
	}
	k.last = now
	if kind == KeyframePLI {
		k.stats.PLIs++
		return kind, 0, nil
	}
	k.firSeq++
	k.stats.FIRs++
	return kind, k.firSeq, nil
}
