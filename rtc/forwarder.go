package rtc

// Forwarder keeps one outgoing RTP stream continuous while its source
// changes: an SFU that switches a viewer from one publisher (or one
// simulcast layer) to another must not make the viewer's decoder see a
// sequence number jump or a timestamp going backwards (RFC 3550 §5.1:
// sequence numbers increment by one; RFC 7667 §3.7 on switching
// middleboxes). Every Sender encoding has one; an SFU can also use it
// alone.
//
// The output is the input plus an offset, per field. The offsets are
// chosen again when the input SSRC changes or Switch was called: the next
// output sequence number is the last one plus one, and the next output
// timestamp is the last one plus one tick (the new source's frames then
// advance at its own pace). The zero value is ready; the first packet
// passes with its own numbers unless Start was called.
type Forwarder struct {
	started  bool
	switched bool
	srcSSRC  uint32
	seqOff   uint16
	tsOff    uint32
	lastSeq  uint16
	lastTS   uint32
}

// Start makes the first packet come out with sequence number seq and
// timestamp ts (RFC 3550 §5.1 wants random initial values; a Sender draws
// them).
func (f *Forwarder) Start(seq uint16, ts uint32) {
	f.started, f.switched = true, true
	f.lastSeq, f.lastTS = seq-1, ts-1
}

// Switch says the next packet comes from a new source even if its SSRC is
// the same (a replaced track).
func (f *Forwarder) Switch() { f.switched = f.started }

// Rewrite maps one packet's sequence number and timestamp, from the
// source ssrc, to the output stream's. Reordered packets of the current
// source keep their relative order.
func (f *Forwarder) Rewrite(ssrc uint32, seq uint16, ts uint32) (uint16, uint32) {
	first := !f.started
	switch {
	case first:
		f.started = true
	case f.switched || ssrc != f.srcSSRC:
		f.seqOff = f.lastSeq + 1 - seq
		f.tsOff = f.lastTS + 1 - ts
	}
	f.switched = false
	f.srcSSRC = ssrc
	outSeq, outTS := seq+f.seqOff, ts+f.tsOff
	if first || int16(outSeq-f.lastSeq) > 0 {
		f.lastSeq = outSeq
	}
	if first || int32(outTS-f.lastTS) > 0 {
		f.lastTS = outTS
	}
	return outSeq, outTS
}
