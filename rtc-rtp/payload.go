package rtp

// Payloads is a reusable list of RTP payloads laid out back to back in one
// buffer. Payloaders append to it; reuse one value (Reset between frames)
// and packetizing allocates nothing once the buffers have grown to size.
type Payloads struct {
	buf  []byte
	ends []int
}

// Reset empties the list, keeping its buffers.
func (p *Payloads) Reset() {
	p.buf = p.buf[:0]
	p.ends = p.ends[:0]
}

// Len returns the number of payloads.
func (p *Payloads) Len() int { return len(p.ends) }

// At returns payload i. It aliases the list's buffer and stays valid until
// the next Reset or append.
func (p *Payloads) At(i int) []byte {
	start := 0
	if i > 0 {
		start = p.ends[i-1]
	}
	return p.buf[start:p.ends[i]:p.ends[i]]
}

// Size returns the total bytes of all payloads.
func (p *Payloads) Size() int { return len(p.buf) }

// end closes the payload being written.
func (p *Payloads) end() { p.ends = append(p.ends, len(p.buf)) }

// reserve makes room for n more bytes without reallocating more than once.
func (p *Payloads) reserve(n int) {
	if cap(p.buf)-len(p.buf) < n {
		nb := make([]byte, len(p.buf), 2*cap(p.buf)+n)
		copy(nb, p.buf)
		p.buf = nb
	}
}

// A Payloader splits one media frame into RTP payloads of at most mtu bytes
// (the space the caller leaves for the payload after the RTP header and any
// SRTP tag) and appends them to dst. The caller puts each payload in a packet
// with the same timestamp, consecutive sequence numbers and the marker bit
// on the last one (for video; see each codec's doc for audio).
type Payloader interface {
	Payload(dst *Payloads, mtu int, frame []byte) error
}

// PayloadInfo is what a depayloader learned from one payload.
type PayloadInfo struct {
	// FrameStart: the payload begins a frame (for H.264/H.265 a heuristic
	// on the first NAL unit; see each depayloader).
	FrameStart bool
	// FrameEnd: the payload format itself says the frame ends here (every
	// audio packet; VP9's E bit without layer indices). Otherwise video
	// relies on the RTP marker bit.
	FrameEnd bool
	// Keyframe: the payload carries (the start of) an independently
	// decodable frame.
	Keyframe bool
}

// A Depayloader turns RTP payloads back into the codec's bitstream: it
// appends the media bytes carried by payload to dst and returns the
// extended slice. Bad input returns an error (never a panic); dst is then
// returned unchanged. Reset forgets any partial unit (call it after a loss).
type Depayloader interface {
	Depayload(dst, payload []byte) ([]byte, PayloadInfo, error)
	Reset()
}

// Audio payload formats: each RTP payload is a whole frame, every frame is
// independently decodable, and the marker bit is only set on the first packet
// after silence (RFC 3551 §4.1).

// OpusPayloader packetizes Opus (RFC 7587 §4.2): "only one Opus packet" per
// RTP packet, never fragmented. A frame larger than mtu is rejected with
// ErrMTUTooSmall.
type OpusPayloader struct{}

// Payload appends frame as one payload.
func (OpusPayloader) Payload(dst *Payloads, mtu int, frame []byte) error {
	if len(frame) == 0 {
		return ErrEmptyFrame
	}
	if len(frame) > mtu {
		return ErrMTUTooSmall
	}
	dst.buf = append(dst.buf, frame...)
	dst.end()
	return nil
}

// G711Payloader packetizes PCMU/PCMA (RFC 3551 §4.5.14): one octet per
// sample, so a block longer than mtu is split into chunks of mtu bytes; the
// timestamp of chunk i is the frame's plus the bytes before it.
type G711Payloader struct{}

// Payload splits frame at mtu-byte boundaries.
func (G711Payloader) Payload(dst *Payloads, mtu int, frame []byte) error {
	return payloadSampleBytes(dst, mtu, frame)
}

// G722Payloader packetizes G.722 (RFC 3551 §4.5.2): one octet per two 16 kHz
// samples but an 8000 Hz RTP clock, so as with G.711 one octet advances the
// timestamp by one and a long block is split at mtu-byte boundaries.
type G722Payloader struct{}

// Payload splits frame at mtu-byte boundaries.
func (G722Payloader) Payload(dst *Payloads, mtu int, frame []byte) error {
	return payloadSampleBytes(dst, mtu, frame)
}

func payloadSampleBytes(dst *Payloads, mtu int, frame []byte) error {
	if len(frame) == 0 {
		return ErrEmptyFrame
	}
	if mtu < 1 {
		return ErrMTUTooSmall
	}
	dst.reserve(len(frame))
	for len(frame) > 0 {
		n := min(mtu, len(frame))
		dst.buf = append(dst.buf, frame[:n]...)
		dst.end()
		frame = frame[n:]
	}
	return nil
}

// AudioDepayloader depayloads Opus, G.711 and G.722: the payload is the
// frame. Every payload starts and ends a frame and is a "keyframe".
type AudioDepayloader struct{}

// Depayload appends payload to dst. An empty payload is malformed.
func (AudioDepayloader) Depayload(dst, payload []byte) ([]byte, PayloadInfo, error) {
	if len(payload) == 0 {
		return dst, PayloadInfo{}, ErrMalformedPayload
	}
	return append(dst, payload...), PayloadInfo{FrameStart: true, FrameEnd: true, Keyframe: true}, nil
}

// Reset does nothing: audio depayloading keeps no state.
func (AudioDepayloader) Reset() {}

// Names for the audio depayloader by codec.
type (
	OpusDepayloader = AudioDepayloader
	G711Depayloader = AudioDepayloader
	G722Depayloader = AudioDepayloader
)
