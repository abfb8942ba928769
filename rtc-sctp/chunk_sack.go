package sctp

import (
	"encoding/binary"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// gapBlock is one Gap Ack Block: TSNs cum+start .. cum+end were received
// (RFC 9260 §3.3.4).
type gapBlock struct{ start, end uint16 }

// sackChunk is a SACK chunk (RFC 9260 §3.3.4). parseSack reuses the gaps and
// dups slices of the destination, so a machine can parse every SACK into one
// value without allocating.
type sackChunk struct {
	cumTSN uint32
	rwnd   uint32
	gaps   []gapBlock
	dups   []uint32
}

func parseSack(v []byte, s *sackChunk) error {
	c := shared.NewCursor(v)
	var ng, nd uint16
	if !c.ReadUint32(&s.cumTSN) || !c.ReadUint32(&s.rwnd) || !c.ReadUint16(&ng) || !c.ReadUint16(&nd) {
		return &shared.ParseError{Layer: "sctp", Type: "SACK", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	if c.Len() < int(ng)*4+int(nd)*4 {
		return &shared.ParseError{Layer: "sctp", Type: "SACK", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	s.gaps, s.dups = s.gaps[:0], s.dups[:0]
	for range ng {
		var g gapBlock
		c.ReadUint16(&g.start)
		c.ReadUint16(&g.end)
		if g.start == 0 || g.end < g.start {
			return &shared.ParseError{Layer: "sctp", Type: "SACK gap block", Offset: c.Offset(), Err: errBadValue}
		}
		s.gaps = append(s.gaps, g)
	}
	for range nd {
		var d uint32
		c.ReadUint32(&d)
		s.dups = append(s.dups, d)
	}
	return nil
}

func (s *sackChunk) size() int { return chunkHeaderSize + 12 + 4*len(s.gaps) + 4*len(s.dups) }

func (s *sackChunk) appendTo(b []byte) []byte {
	b, off := appendChunkHeader(b, ctSack, 0)
	b = binary.BigEndian.AppendUint32(b, s.cumTSN)
	b = binary.BigEndian.AppendUint32(b, s.rwnd)
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.gaps)))
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.dups)))
	for _, g := range s.gaps {
		b = binary.BigEndian.AppendUint16(b, g.start)
		b = binary.BigEndian.AppendUint16(b, g.end)
	}
	for _, d := range s.dups {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return finishChunk(b, off)
}

// fwdStream is one stream entry of a FORWARD TSN (stream, SSN; RFC 3758
// §3.2) or I-FORWARD-TSN (stream, U flag, MID; RFC 8260 §2.3.1) chunk.
type fwdStream struct {
	stream    uint16
	unordered bool
	seq       uint32 // SSN (DATA) or MID (I-DATA)
}

// forwardTSNChunk is a FORWARD TSN or I-FORWARD-TSN chunk.
type forwardTSNChunk struct {
	idata   bool
	newCum  uint32
	streams []fwdStream
}

func parseForwardTSN(idata bool, v []byte, f *forwardTSNChunk) error {
	c := shared.NewCursor(v)
	f.idata = idata
	f.streams = f.streams[:0]
	if !c.ReadUint32(&f.newCum) {
		return &shared.ParseError{Layer: "sctp", Type: "FORWARD TSN", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	entry := 4
	if idata {
		entry = 8
	}
	if c.Len()%entry != 0 {
		return &shared.ParseError{Layer: "sctp", Type: "FORWARD TSN", Offset: c.Offset(), Err: errBadLength}
	}
	for !c.Empty() {
		var e fwdStream
		c.ReadUint16(&e.stream)
		if idata {
			var fl uint16
			c.ReadUint16(&fl)
			e.unordered = fl&1 != 0
			c.ReadUint32(&e.seq)
		} else {
			var ssn uint16
			c.ReadUint16(&ssn)
			e.seq = uint32(ssn)
		}
		f.streams = append(f.streams, e)
	}
	return nil
}

func (f *forwardTSNChunk) size() int {
	if f.idata {
		return chunkHeaderSize + 4 + 8*len(f.streams)
	}
	return chunkHeaderSize + 4 + 4*len(f.streams)
}

func (f *forwardTSNChunk) appendTo(b []byte) []byte {
	t := ctForwardTSN
	if f.idata {
		t = ctIForwardTSN
	}
	b, off := appendChunkHeader(b, t, 0)
	b = binary.BigEndian.AppendUint32(b, f.newCum)
	for _, e := range f.streams {
		b = binary.BigEndian.AppendUint16(b, e.stream)
		if f.idata {
			var fl uint16
			if e.unordered {
				fl = 1
			}
			b = binary.BigEndian.AppendUint16(b, fl)
			b = binary.BigEndian.AppendUint32(b, e.seq)
		} else {
			b = binary.BigEndian.AppendUint16(b, uint16(e.seq))
		}
	}
	return finishChunk(b, off)
}
