package rtc

import (
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// layer names a timer owner inside the PeerConnection.
type layer uint8

const (
	layerICE layer = iota
	layerDTLS
	layerSCTP
	numLayers
)

// deadlineCache keeps each layer's last reported deadline so that an idle
// PollTimeout costs a few comparisons instead of a walk over every layer
// (and, through SCTP, every stream). A layer is marked dirty whenever the
// PeerConnection calls into it; only dirty layers are asked again.
type deadlineCache struct {
	at    [numLayers]time.Time
	dirty uint8
	min   time.Time
	valid bool
}

func (c *deadlineCache) mark(l layer) { c.dirty |= 1 << l; c.valid = false }
func (c *deadlineCache) markAll()     { c.dirty = 1<<numLayers - 1; c.valid = false }

// due reports whether layer l has a deadline at or before now. Layers
// without a known deadline are considered due when dirty (they may have
// one we have not fetched yet).
func (c *deadlineCache) due(l layer, now time.Time) bool {
	if c.dirty&(1<<l) != 0 {
		return true
	}
	d := c.at[l]
	return !d.IsZero() && !d.After(now)
}

// earliest refreshes the dirty layers and returns the earliest deadline.
func (c *deadlineCache) earliest(pc *PeerConnection) time.Time {
	if c.valid {
		return c.min
	}
	for l := range numLayers {
		if c.dirty&(1<<l) != 0 {
			c.at[l] = pc.layerTimeout(l)
		}
	}
	c.dirty = 0
	var m time.Time
	for _, d := range c.at {
		m = shared.Earliest(m, d)
	}
	c.min, c.valid = m, true
	return m
}
