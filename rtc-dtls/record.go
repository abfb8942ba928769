package dtls

import (
	"errors"

	"github.com/sansrtc/rtc/rtc-shared"
)

// recordHeaderLen is the DTLS record header size (RFC 6347 §4.1): type,
// version, epoch, 48-bit sequence number and length.
const recordHeaderLen = 13

// maxPlaintext is the largest record plaintext (RFC 5246 §6.2.1: 2^14).
const maxPlaintext = 1 << 14

// maxCiphertext is the largest record fragment on the wire (RFC 5246 §6.2.3:
// 2^14 + 2048).
const maxCiphertext = maxPlaintext + 2048

// maxSeq is the largest 48-bit record sequence number.
const maxSeq = 1<<48 - 1

// RecordHeader is the DTLSPlaintext header (RFC 6347 §4.1).
type RecordHeader struct {
	Type    ContentType
	Version uint16
	Epoch   uint16
	Seq     uint64 // 48 bits
	Length  uint16
}

var (
	errRecordTruncated = errors.New("truncated record")
	errRecordVersion   = errors.New("bad record version")
	errRecordType      = errors.New("unknown content type")
	errRecordTooLong   = errors.New("record too long")
)

// ParseRecord reads one record from the start of b. It returns the header,
// the fragment (aliasing b) and the rest of b after the record. Several
// records may share a datagram (RFC 6347 §4.1.1). Any content type is
// accepted; the version must be DTLS 1.0 or 1.2.
func ParseRecord(b []byte) (h RecordHeader, fragment, rest []byte, err error) {
	c := shared.NewCursor(b)
	var typ uint8
	if !c.ReadUint8(&typ) || !c.ReadUint16(&h.Version) || !c.ReadUint16(&h.Epoch) ||
		!c.ReadUint48(&h.Seq) || !c.ReadUint16(&h.Length) {
		return RecordHeader{}, nil, nil, &shared.ParseError{Layer: "dtls", Type: "record header", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	// The content type is not checked here: a record of a type we do not
	// know is still delimited by its length, so the connection can drop it
	// alone and read the records after it in the datagram (RFC 6347
	// §4.1.2.7: invalid records "SHOULD be silently discarded").
	h.Type = ContentType(typ)
	// RFC 6347 §4.1: the version is DTLS 1.0 (0xfeff) or DTLS 1.2 (0xfefd);
	// a ClientHello record may carry 1.0 for compatibility.
	if h.Version != versionDTLS12 && h.Version != versionDTLS10 {
		return RecordHeader{}, nil, nil, &shared.ParseError{Layer: "dtls", Type: "record header", Offset: 1, Err: errRecordVersion}
	}
	if int(h.Length) > maxCiphertext {
		return RecordHeader{}, nil, nil, &shared.ParseError{Layer: "dtls", Type: "record header", Offset: 11, Err: errRecordTooLong}
	}
	if !c.ReadBytes(&fragment, int(h.Length)) {
		return RecordHeader{}, nil, nil, &shared.ParseError{Layer: "dtls", Type: "record", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	return h, fragment, c.Rest(), nil
}

// AppendTo appends the 13-byte header to b.
func (h *RecordHeader) AppendTo(b []byte) []byte {
	b = append(b, byte(h.Type), byte(h.Version>>8), byte(h.Version), byte(h.Epoch>>8), byte(h.Epoch))
	b = append(b, byte(h.Seq>>40), byte(h.Seq>>32), byte(h.Seq>>24), byte(h.Seq>>16), byte(h.Seq>>8), byte(h.Seq))
	return append(b, byte(h.Length>>8), byte(h.Length))
}

// seqNum64 is the 64-bit epoch||sequence value used in nonces and MACs
// (RFC 6347 §4.1.2.1).
func seqNum64(epoch uint16, seq uint64) uint64 { return uint64(epoch)<<48 | seq&maxSeq }
