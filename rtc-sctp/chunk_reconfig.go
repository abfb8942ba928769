package sctp

import (
	"encoding/binary"
	"strconv"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// RE-CONFIG parameter types (RFC 6525 §4).
const (
	paramOutgoingReset = 13
	paramIncomingReset = 14
	paramSSNTSNReset   = 15
	paramReconfigResp  = 16
	paramAddOutgoing   = 17
	paramAddIncoming   = 18
)

// reconfigResult is the Result of a Re-configuration Response (RFC 6525 §4.4).
type reconfigResult uint32

const (
	resultNothingToDo reconfigResult = 0
	resultPerformed   reconfigResult = 1
	resultDenied      reconfigResult = 2
	resultWrongSSN    reconfigResult = 3
	resultInProgress4 reconfigResult = 4 // Error: request already in progress
	resultBadSeq      reconfigResult = 5
	resultInProgress  reconfigResult = 6
)

func (r reconfigResult) String() string {
	switch r {
	case resultNothingToDo:
		return "Success - Nothing to do"
	case resultPerformed:
		return "Success - Performed"
	case resultDenied:
		return "Denied"
	case resultWrongSSN:
		return "Error - Wrong SSN"
	case resultInProgress4:
		return "Error - Request already in progress"
	case resultBadSeq:
		return "Error - Bad Sequence Number"
	case resultInProgress:
		return "In progress"
	}
	return "reconfigResult(" + strconv.Itoa(int(r)) + ")"
}

// reconfigParam is one parameter of a RE-CONFIG chunk. streams aliases the
// packet (two bytes per stream).
type reconfigParam struct {
	typ     uint16
	reqSeq  uint32 // request sequence number (requests) or response sequence number (responses)
	respSeq uint32 // Outgoing SSN Reset: Re-configuration Response Sequence Number
	lastTSN uint32 // Outgoing SSN Reset: Sender's Last Assigned TSN
	result  reconfigResult
	streams []byte
}

func (p *reconfigParam) streamCount() int { return len(p.streams) / 2 }
func (p *reconfigParam) stream(i int) uint16 {
	return binary.BigEndian.Uint16(p.streams[2*i:])
}

// forEachReconfigParam decodes the parameters of a RE-CONFIG chunk (RFC 6525
// §3.1: one or two parameters).
func forEachReconfigParam(v []byte, fn func(*reconfigParam)) error {
	c := shared.NewCursor(v)
	for !c.Empty() {
		start := c.Offset()
		var typ, length uint16
		var pc shared.Cursor
		if !c.ReadUint16(&typ) || !c.ReadUint16(&length) || length < 4 || !c.ReadCursor(&pc, int(length)-4) {
			return &shared.ParseError{Layer: "sctp", Type: "RE-CONFIG parameter", Offset: start, Err: shared.ErrTruncated}
		}
		c.Skip(min((4-int(length)%4)%4, c.Len()))
		p := reconfigParam{typ: typ}
		ok := pc.ReadUint32(&p.reqSeq)
		switch typ {
		case paramOutgoingReset:
			ok = ok && pc.ReadUint32(&p.respSeq) && pc.ReadUint32(&p.lastTSN) && pc.Len()%2 == 0
			p.streams = pc.Rest()
		case paramIncomingReset, paramAddOutgoing, paramAddIncoming:
			ok = ok && pc.Len()%2 == 0
			p.streams = pc.Rest()
		case paramReconfigResp:
			var r uint32
			ok = ok && pc.ReadUint32(&r)
			p.result = reconfigResult(r)
		}
		if !ok {
			return &shared.ParseError{Layer: "sctp", Type: "RE-CONFIG parameter", Offset: start, Err: shared.ErrTruncated}
		}
		fn(&p)
	}
	return nil
}

// appendOutgoingReset appends an Outgoing SSN Reset Request parameter (RFC 6525 §4.1).
func appendOutgoingReset(b []byte, reqSeq, respSeq, lastTSN uint32, streams []uint16) []byte {
	b = appendParamHeader(b, paramOutgoingReset, uint16(16+2*len(streams)))
	b = binary.BigEndian.AppendUint32(b, reqSeq)
	b = binary.BigEndian.AppendUint32(b, respSeq)
	b = binary.BigEndian.AppendUint32(b, lastTSN)
	for _, s := range streams {
		b = binary.BigEndian.AppendUint16(b, s)
	}
	if len(streams)%2 == 1 {
		b = append(b, 0, 0)
	}
	return b
}

// appendReconfigResponse appends a Re-configuration Response parameter (RFC 6525 §4.4).
func appendReconfigResponse(b []byte, respSeq uint32, result reconfigResult) []byte {
	b = appendParamHeader(b, paramReconfigResp, 12)
	b = binary.BigEndian.AppendUint32(b, respSeq)
	return binary.BigEndian.AppendUint32(b, uint32(result))
}
