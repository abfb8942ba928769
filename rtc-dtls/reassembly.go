package dtls

// pendingMessage is a handshake message being reassembled from fragments
// that may arrive out of order, duplicated or overlapping (RFC 6347
// §4.2.3: "the receiver MUST buffer the fragments until it has the entire
// handshake message").
type pendingMessage struct {
	seq    uint16
	typ    HandshakeType
	epoch  uint16
	body   []byte      // length bytes
	ranges [][2]uint32 // received byte ranges, sorted and merged
}

// add copies a fragment in and merges its range. It reports false when the
// fragment disagrees with what was seen before (type, length or epoch).
func (p *pendingMessage) add(h *HandshakeHeader, epoch uint16, frag []byte) bool {
	if h.Type != p.typ || h.Length != uint32(len(p.body)) || epoch != p.epoch {
		return false
	}
	copy(p.body[h.FragmentOffset:], frag)
	lo, hi := h.FragmentOffset, h.FragmentOffset+h.FragmentLength
	if lo == hi {
		return true
	}
	out := p.ranges[:0:0]
	placed := false
	for _, r := range p.ranges {
		switch {
		case r[1] < lo:
			out = append(out, r)
		case r[0] > hi:
			if !placed {
				out = append(out, [2]uint32{lo, hi})
				placed = true
			}
			out = append(out, r)
		default: // overlapping or adjacent: merge
			lo, hi = min(lo, r[0]), max(hi, r[1])
		}
	}
	if !placed {
		out = append(out, [2]uint32{lo, hi})
	}
	p.ranges = out
	return true
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
			r.msgs = append(r.msgs[:i], r.msgs[i+1:]...)
			return
		}
	}
}

func (r *reassembler) clear() {
	r.msgs = r.msgs[:0]
	r.buffered = 0
}
