package sctp

import (
	"encoding/binary"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// flagTBit is the T bit of ABORT and SHUTDOWN COMPLETE: the verification
// tag is reflected (RFC 9260 §3.3.7, §8.5.1).
const flagTBit = 0x01

// paramHeartbeatInfo is the Heartbeat Info parameter type (RFC 9260 §3.3.5).
const paramHeartbeatInfo = 1

// errorCause is one cause of an ABORT or ERROR chunk (RFC 9260 §3.3.10).
// info aliases the packet.
type errorCause struct {
	code ErrorCause
	info []byte
}

// forEachCause calls fn for each cause in the value of an ABORT or ERROR chunk.
func forEachCause(v []byte, fn func(errorCause)) error {
	c := shared.NewCursor(v)
	for !c.Empty() {
		start := c.Offset()
		var code, length uint16
		var info []byte
		if !c.ReadUint16(&code) || !c.ReadUint16(&length) || length < 4 || !c.ReadBytes(&info, int(length)-4) {
			return &shared.ParseError{Layer: "sctp", Type: "error cause", Offset: start, Err: shared.ErrTruncated}
		}
		c.Skip(min((4-int(length)%4)%4, c.Len()))
		fn(errorCause{code: ErrorCause(code), info: info})
	}
	return nil
}

// appendCause appends one error cause, padded.
func appendCause(b []byte, code ErrorCause, info []byte) []byte {
	b = appendParamHeader(b, uint16(code), uint16(4+len(info)))
	b = append(b, info...)
	for i := len(info); i%4 != 0; i++ {
		b = append(b, 0)
	}
	return b
}

// appendCauseChunk appends an ABORT or ERROR chunk with one cause (or none
// when code is zero).
func appendCauseChunk(b []byte, t chunkType, flags uint8, code ErrorCause, info []byte) []byte {
	b, off := appendChunkHeader(b, t, flags)
	if code != 0 {
		b = appendCause(b, code, info)
	}
	return finishChunk(b, off)
}

// appendEmptyChunk appends a chunk without value (COOKIE ACK, SHUTDOWN ACK,
// SHUTDOWN COMPLETE).
func appendEmptyChunk(b []byte, t chunkType, flags uint8) []byte {
	return append(b, byte(t), flags, 0, 4)
}

// appendShutdown appends a SHUTDOWN chunk (RFC 9260 §3.3.8).
func appendShutdown(b []byte, cumTSN uint32) []byte {
	b = append(b, byte(ctShutdown), 0, 0, 8)
	return binary.BigEndian.AppendUint32(b, cumTSN)
}

// appendBytesChunk appends a chunk whose value is v (COOKIE ECHO).
func appendBytesChunk(b []byte, t chunkType, v []byte) []byte {
	b, off := appendChunkHeader(b, t, 0)
	b = append(b, v...)
	return finishChunk(b, off)
}

// appendHeartbeat appends a HEARTBEAT or HEARTBEAT ACK chunk carrying one
// Heartbeat Info parameter (RFC 9260 §3.3.5, §3.3.6).
func appendHeartbeat(b []byte, t chunkType, info []byte) []byte {
	b, off := appendChunkHeader(b, t, 0)
	b = appendParamHeader(b, paramHeartbeatInfo, uint16(4+len(info)))
	b = append(b, info...)
	return finishChunk(b, off)
}

// parseHeartbeat returns the Heartbeat Info of a HEARTBEAT (ACK) chunk.
func parseHeartbeat(v []byte) ([]byte, error) {
	c := shared.NewCursor(v)
	var typ, length uint16
	var info []byte
	if !c.ReadUint16(&typ) || !c.ReadUint16(&length) || length < 4 || !c.ReadBytes(&info, int(length)-4) {
		return nil, &shared.ParseError{Layer: "sctp", Type: "HEARTBEAT", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	if typ != paramHeartbeatInfo {
		return nil, &shared.ParseError{Layer: "sctp", Type: "HEARTBEAT", Offset: 0, Err: errBadValue}
	}
	return info, nil
}

// parseShutdown returns the Cumulative TSN Ack of a SHUTDOWN chunk.
func parseShutdown(v []byte) (uint32, error) {
	if len(v) < 4 {
		return 0, &shared.ParseError{Layer: "sctp", Type: "SHUTDOWN", Offset: 0, Err: shared.ErrTruncated}
	}
	return binary.BigEndian.Uint32(v), nil
}
