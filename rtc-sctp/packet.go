package sctp

import (
	"encoding/binary"
	"hash/crc32"
	"strconv"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// chunkType is an SCTP chunk type (RFC 9260 §3.2, RFC 3758, RFC 6525, RFC 8260).
type chunkType uint8

const (
	ctData             chunkType = 0
	ctInit             chunkType = 1
	ctInitAck          chunkType = 2
	ctSack             chunkType = 3
	ctHeartbeat        chunkType = 4
	ctHeartbeatAck     chunkType = 5
	ctAbort            chunkType = 6
	ctShutdown         chunkType = 7
	ctShutdownAck      chunkType = 8
	ctError            chunkType = 9
	ctCookieEcho       chunkType = 10
	ctCookieAck        chunkType = 11
	ctShutdownComplete chunkType = 14
	ctIData            chunkType = 64
	ctReconfig         chunkType = 130
	ctForwardTSN       chunkType = 192
	ctIForwardTSN      chunkType = 194
)

// String returns the RFC name of the chunk type.
func (t chunkType) String() string {
	switch t {
	case ctData:
		return "DATA"
	case ctInit:
		return "INIT"
	case ctInitAck:
		return "INIT ACK"
	case ctSack:
		return "SACK"
	case ctHeartbeat:
		return "HEARTBEAT"
	case ctHeartbeatAck:
		return "HEARTBEAT ACK"
	case ctAbort:
		return "ABORT"
	case ctShutdown:
		return "SHUTDOWN"
	case ctShutdownAck:
		return "SHUTDOWN ACK"
	case ctError:
		return "ERROR"
	case ctCookieEcho:
		return "COOKIE ECHO"
	case ctCookieAck:
		return "COOKIE ACK"
	case ctShutdownComplete:
		return "SHUTDOWN COMPLETE"
	case ctIData:
		return "I-DATA"
	case ctReconfig:
		return "RE-CONFIG"
	case ctForwardTSN:
		return "FORWARD TSN"
	case ctIForwardTSN:
		return "I-FORWARD-TSN"
	}
	return "chunkType(" + strconv.Itoa(int(t)) + ")"
}

const (
	commonHeaderSize = 12
	chunkHeaderSize  = 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var zero4 [4]byte

// packetChecksum computes the CRC32c of an SCTP packet as if its checksum
// field were zero (RFC 9260 §6.8, Appendix A).
func packetChecksum(p []byte) uint32 {
	c := crc32.Update(0, castagnoli, p[:8])
	c = crc32.Update(c, castagnoli, zero4[:])
	return crc32.Update(c, castagnoli, p[12:])
}

// putChecksum writes the checksum of p into its header. The CRC32c goes on
// the wire least significant byte first (RFC 9260 Appendix A).
func putChecksum(p []byte) {
	binary.LittleEndian.PutUint32(p[8:12], packetChecksum(p))
}

// commonHeader is the SCTP common header (RFC 9260 §3.1).
type commonHeader struct {
	srcPort, dstPort uint16
	vtag             uint32
	checksum         uint32 // as read (little-endian interpretation)
}

// appendCommonHeader appends a header with a zero checksum.
func appendCommonHeader(b []byte, src, dst uint16, vtag uint32) []byte {
	b = binary.BigEndian.AppendUint16(b, src)
	b = binary.BigEndian.AppendUint16(b, dst)
	b = binary.BigEndian.AppendUint32(b, vtag)
	return append(b, 0, 0, 0, 0)
}

// rawChunk is one chunk of a packet: its type, flags and value (the bytes
// after the 4-byte chunk header, without padding). value aliases the packet.
type rawChunk struct {
	typ   chunkType
	flags uint8
	value []byte
}

// parsePacket reads the common header and returns a cursor over the chunks.
// It does not verify the checksum.
func parsePacket(b []byte, h *commonHeader) (shared.Cursor, error) {
	c := shared.NewCursor(b)
	var ck uint32
	if !c.ReadUint16(&h.srcPort) || !c.ReadUint16(&h.dstPort) || !c.ReadUint32(&h.vtag) || !c.ReadUint32(&ck) {
		return c, &shared.ParseError{Layer: "sctp", Type: "common header", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	h.checksum = binary.LittleEndian.Uint32(b[8:12])
	return c, nil
}

// nextChunk reads one chunk from c. It returns false with a nil error at the
// end of the packet. RFC 9260 §3.2: the length excludes padding; padding of
// the last chunk may be missing and is tolerated.
func nextChunk(c *shared.Cursor, ch *rawChunk) (bool, error) {
	if c.Empty() {
		return false, nil
	}
	start := c.Offset()
	var typ, flags uint8
	var length uint16
	if !c.ReadUint8(&typ) || !c.ReadUint8(&flags) || !c.ReadUint16(&length) {
		return false, &shared.ParseError{Layer: "sctp", Type: "chunk header", Offset: start, Err: shared.ErrTruncated}
	}
	if length < chunkHeaderSize {
		return false, &shared.ParseError{Layer: "sctp", Type: chunkType(typ).String(), Offset: start, Err: errBadLength}
	}
	var v []byte
	if !c.ReadBytes(&v, int(length)-chunkHeaderSize) {
		return false, &shared.ParseError{Layer: "sctp", Type: chunkType(typ).String(), Offset: start, Err: shared.ErrTruncated}
	}
	pad := (4 - int(length)%4) % 4
	if pad > c.Len() {
		pad = c.Len()
	}
	c.Skip(pad)
	ch.typ, ch.flags, ch.value = chunkType(typ), flags, v
	return true, nil
}

// appendChunkHeader appends a chunk header with a placeholder length and
// returns the offset of the chunk; finishChunk fills the length and pads.
func appendChunkHeader(b []byte, t chunkType, flags uint8) ([]byte, int) {
	off := len(b)
	return append(b, byte(t), flags, 0, 0), off
}

// finishChunk sets the length of the chunk starting at off and pads b to a
// multiple of four bytes.
func finishChunk(b []byte, off int) []byte {
	n := len(b) - off
	binary.BigEndian.PutUint16(b[off+2:], uint16(n))
	for ; n%4 != 0; n++ {
		b = append(b, 0)
	}
	return b
}

// padded returns n rounded up to a multiple of four.
func padded(n int) int { return (n + 3) &^ 3 }

// crc32cOf returns the CRC32c of b.
func crc32cOf(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }
