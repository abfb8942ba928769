package dtls

import (
	"cmp"
	"errors"
	"net/netip"
	"slices"
)

// pendingMessage is a handshake message being reassembled from fragments
// that may arrive out of order, duplicated or overlapping (RFC 6347
// §4.2.3: "the receiver MUST buffer the fragments until it has the entire
// handshake message").
type pendingMessage struct {
	src    netip.AddrPort // where its first fragment came from
	seq    uint16
	typ    HandshakeType
	epoch  uint16
	body   []byte      // length bytes
	ranges [][2]uint32 // received byte ranges, sorted and merged
}

// errFragmentGaps reports a fragment that would split a message being
// reassembled into more disjoint byte ranges than Config.MaxFragmentRanges.
var errFragmentGaps = errors.New("too many disjoint fragments")

// errFragmentMismatch reports a fragment that disagrees with what was seen
// before (type, length or epoch).
var errFragmentMismatch = errors.New("inconsistent handshake fragment")

// add copies a fragment in and merges its range into the sorted list, in
// place. A fragment that would leave more than maxRanges disjoint ranges is
// refused before anything is copied: without that bound, tiny fragments at
// alternating offsets would make every add cost time and memory in
// proportion to the message length.
func (p *pendingMessage) add(h *handshakeHeader, epoch uint16, frag []byte, maxRanges int) error {
	if h.Type != p.typ || h.Length != uint32(len(p.body)) || epoch != p.epoch {
		return errFragmentMismatch
	}
	lo, hi := h.FragmentOffset, h.FragmentOffset+h.FragmentLength
	if lo == hi {
		return nil
	}
	// Ranges [i, j) overlap or touch [lo, hi); they collapse into one.
	i, _ := slices.BinarySearchFunc(p.ranges, lo, func(r [2]uint32, v uint32) int { return cmp.Compare(r[1], v) })
	j := i
	for j < len(p.ranges) && p.ranges[j][0] <= hi {
		j++
	}
	if i == j && len(p.ranges) >= maxRanges {
		return errFragmentGaps
	}
	copy(p.body[lo:], frag)
	if i < j {
		lo, hi = min(lo, p.ranges[i][0]), max(hi, p.ranges[j-1][1])
	}
	p.ranges = slices.Replace(p.ranges, i, j, [2]uint32{lo, hi})
	return nil
}

// complete reports whether every byte has arrived.
func (p *pendingMessage) complete() bool {
	if len(p.body) == 0 {
		return true
	}
	return len(p.ranges) == 1 && p.ranges[0][0] == 0 && p.ranges[0][1] == uint32(len(p.body))
}

// reassembler holds the messages not yet processed, keyed by message_seq,
// within a bounded budget of bytes.
type reassembler struct {
	msgs     []*pendingMessage
	buffered int
}

func (r *reassembler) find(seq uint16) *pendingMessage {
	for _, m := range r.msgs {
		if m.seq == seq {
			return m
		}
	}
	return nil
}

// remove forgets message seq.
func (r *reassembler) remove(seq uint16) {
	for i, m := range r.msgs {
		if m.seq == seq {
			r.buffered -= len(m.body)
			last := len(r.msgs) - 1
			copy(r.msgs[i:], r.msgs[i+1:])
			r.msgs[last] = nil // no stale pointer past the end keeps its body
			r.msgs = r.msgs[:last]
			return
		}
	}
}

func (r *reassembler) clear() {
	clear(r.msgs) // the messages and their bodies (a certificate: about 1.4 KB) go to the GC
	r.msgs = r.msgs[:0]
	r.buffered = 0
}
