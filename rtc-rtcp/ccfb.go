package rtcp

import shared "github.com/sansrtc/rtc/rtc-shared"

// CCFBMetric is one packet's report in RFC 8888 feedback (§3.1): whether it
// arrived, its ECN marking and its arrival time offset.
type CCFBMetric struct {
	Received bool  // R
	ECN      uint8 // the 2-bit ECN field as received
	// ArrivalOffset is how long before the report timestamp the packet
	// arrived, in 1/1024 s (13 bits; 0x1FFF means "too large", 0x1FFE
	// "over 8189/1024 s").
	ArrivalOffset uint16
}

// CCFBBlock is the reports on one RTP stream.
type CCFBBlock struct {
	MediaSSRC     uint32
	BeginSequence uint16 // begin_seq: the sequence number of Metrics[0]
	Metrics       []CCFBMetric
}

// CCFeedback is RFC 8888 congestion control feedback (RTPFB FMT 11). Unlike
// RFC 4585 feedback it has no media source SSRC in the common part.
type CCFeedback struct {
	SenderSSRC uint32
	Blocks     []CCFBBlock
	// ReportTimestamp is the compact NTP time (middle 32 bits) the report
	// was generated at (§3.1).
	ReportTimestamp uint32
}

// MaxCCFBMetrics is the most packets one block may report on: RFC 8888
// §3.1, "each report block MUST NOT include more than 16384 packet metric
// blocks".
const MaxCCFBMetrics = 16384

func (b *CCFBBlock) size() int { return 8 + pad4(2*len(b.Metrics)) }

// MarshalSize returns the wire length.
func (p *CCFeedback) MarshalSize() int {
	n := headerSize + 8
	for i := range p.Blocks {
		n += p.Blocks[i].size()
	}
	return n
}

// AppendTo appends the wire form.
func (p *CCFeedback) AppendTo(b []byte) ([]byte, error) {
	if p.MarshalSize() > maxPacketSize {
		return b, ErrTooMany
	}
	for _, blk := range p.Blocks {
		if len(blk.Metrics) > MaxCCFBMetrics {
			return b, ErrTooMany
		}
		for _, m := range blk.Metrics {
			if m.ECN > 3 || m.ArrivalOffset > 0x1fff {
				return b, ErrBadValue
			}
		}
	}
	b = appendHeader(b, FormatCCFB, TypeRTPFB, p.MarshalSize())
	b = appendU32(b, p.SenderSSRC)
	for _, blk := range p.Blocks {
		b = appendU32(b, blk.MediaSSRC)
		b = appendU16(b, blk.BeginSequence)
		// num_reports: the number of metric blocks that follow. RFC 8888
		// §3.1 is inconsistent here ("begin_seq to begin_seq+num_reports
		// inclusive", yet "num_reports MAY be 0, indicating that there are
		// no packet metric blocks"); libwebrtc and Pion write the count,
		// and so do we.
		b = appendU16(b, uint16(len(blk.Metrics)))
		for _, m := range blk.Metrics {
			v := uint16(m.ECN)<<13 | m.ArrivalOffset
			if m.Received {
				v |= 0x8000
			}
			b = appendU16(b, v)
		}
		if len(blk.Metrics)%2 == 1 {
			b = append(b, 0, 0) // pad the block to 32 bits
		}
	}
	return appendU32(b, p.ReportTimestamp), nil
}

// Unmarshal parses one RFC 8888 feedback packet.
func (p *CCFeedback) Unmarshal(b []byte) error {
	h, body, err := body(b, "CCFB", TypeRTPFB)
	if err != nil {
		return err
	}
	if h.Count != FormatCCFB {
		return parseErr("CCFB", 0, ErrWrongType)
	}
	if len(body) < 8 {
		return parseErr("CCFB", headerSize+len(body), shared.ErrTruncated)
	}
	p.SenderSSRC = u32(body)
	p.ReportTimestamp = u32(body[len(body)-4:])
	blocks := p.Blocks[:0]
	off, end := 4, len(body)-4
	for off < end {
		if end-off < 8 {
			return parseErr("CCFB block", headerSize+off, shared.ErrTruncated)
		}
		n := int(u16(body[off+6:]))
		if n > MaxCCFBMetrics {
			return parseErr("CCFB block", headerSize+off+6, ErrTooMany)
		}
		if end-off-8 < pad4(2*n) {
			return parseErr("CCFB block", headerSize+off+6, ErrBadLength)
		}
		var blk *CCFBBlock
		if len(blocks) < cap(blocks) {
			blocks = blocks[:len(blocks)+1]
			blk = &blocks[len(blocks)-1]
			blk.Metrics = blk.Metrics[:0]
		} else {
			blocks = append(blocks, CCFBBlock{})
			blk = &blocks[len(blocks)-1]
		}
		blk.MediaSSRC = u32(body[off:])
		blk.BeginSequence = u16(body[off+4:])
		for i := 0; i < n; i++ {
			v := u16(body[off+8+2*i:])
			blk.Metrics = append(blk.Metrics, CCFBMetric{Received: v&0x8000 != 0, ECN: uint8(v >> 13 & 3), ArrivalOffset: v & 0x1fff})
		}
		off += 8 + pad4(2*n)
	}
	p.Blocks = blocks
	return nil
}
