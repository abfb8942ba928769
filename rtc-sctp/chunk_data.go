package sctp

import (
	"encoding/binary"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// DATA and I-DATA chunk flags (RFC 9260 §3.3.1, RFC 8260 §2.1, RFC 7053).
const (
	flagEnd       = 0x01 // E: last fragment
	flagBegin     = 0x02 // B: first fragment
	flagUnordered = 0x04 // U: unordered
	flagImmediate = 0x08 // I: SACK immediately (RFC 7053)
)

const (
	dataHeaderSize  = chunkHeaderSize + 12 // TSN, stream, SSN, PPID
	idataHeaderSize = chunkHeaderSize + 16 // TSN, stream, reserved, MID, PPID/FSN
)

// dataChunk is a DATA (RFC 9260 §3.3.1) or I-DATA (RFC 8260 §2.1) chunk.
// For DATA, ssn is the stream sequence number and mid/fsn are unused; for
// I-DATA, mid is the message identifier and fsn the fragment sequence
// number (zero and carrying the PPID on the first fragment). payload aliases
// the packet.
type dataChunk struct {
	idata   bool
	flags   uint8
	tsn     uint32
	stream  uint16
	ssn     uint16
	mid     uint32
	fsn     uint32
	ppid    uint32
	payload []byte
}

func (d *dataChunk) begin() bool     { return d.flags&flagBegin != 0 }
func (d *dataChunk) end() bool       { return d.flags&flagEnd != 0 }
func (d *dataChunk) unordered() bool { return d.flags&flagUnordered != 0 }

// parseDataChunk decodes the value of a DATA or I-DATA chunk.
func parseDataChunk(idata bool, flags uint8, v []byte, d *dataChunk) error {
	c := shared.NewCursor(v)
	*d = dataChunk{idata: idata, flags: flags}
	ok := c.ReadUint32(&d.tsn) && c.ReadUint16(&d.stream)
	if idata {
		var reserved uint16
		var x uint32
		ok = ok && c.ReadUint16(&reserved) && c.ReadUint32(&d.mid) && c.ReadUint32(&x)
		if d.begin() {
			d.ppid = x
		} else {
			d.fsn = x
		}
	} else {
		ok = ok && c.ReadUint16(&d.ssn) && c.ReadUint32(&d.ppid)
	}
	if !ok {
		t := ctData
		if idata {
			t = ctIData
		}
		return &shared.ParseError{Layer: "sctp", Type: t.String(), Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	d.payload = c.Rest()
	return nil
}

// size returns the encoded size of the chunk, padding excluded.
func (d *dataChunk) size() int {
	if d.idata {
		return idataHeaderSize + len(d.payload)
	}
	return dataHeaderSize + len(d.payload)
}

// appendTo appends the chunk (padded) to b.
func (d *dataChunk) appendTo(b []byte) []byte {
	t := ctData
	if d.idata {
		t = ctIData
	}
	b, off := appendChunkHeader(b, t, d.flags)
	b = binary.BigEndian.AppendUint32(b, d.tsn)
	b = binary.BigEndian.AppendUint16(b, d.stream)
	if d.idata {
		b = append(b, 0, 0)
		b = binary.BigEndian.AppendUint32(b, d.mid)
		if d.begin() {
			b = binary.BigEndian.AppendUint32(b, d.ppid)
		} else {
			b = binary.BigEndian.AppendUint32(b, d.fsn)
		}
	} else {
		b = binary.BigEndian.AppendUint16(b, d.ssn)
		b = binary.BigEndian.AppendUint32(b, d.ppid)
	}
	b = append(b, d.payload...)
	return finishChunk(b, off)
}
